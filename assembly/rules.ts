// from_signals' rules from a bar's signals to one order, in vectorbt's order of resolution:
// a stop turns into signals (upon_stop_exit); otherwise the user's signals go through the
// entry/exit conflict of each direction, the direction conflict and the opposite-entry rule; then
// the signals become a signed size, a size type and a direction (signals_to_size). The four signals
// and the accumulation mode are globals that each rule rewrites (no tuples in AssemblyScript).

import {
  ACCUMULATE_DISABLED, ACCUMULATE_BOTH, ACCUMULATE_ADD_ONLY, ACCUMULATE_REMOVE_ONLY,
  CONFLICT_ENTRY, CONFLICT_EXIT, CONFLICT_ADJACENT, CONFLICT_OPPOSITE,
  DIR_CONFLICT_LONG, DIR_CONFLICT_SHORT, DIR_CONFLICT_ADJACENT, DIR_CONFLICT_OPPOSITE,
  OPPOSITE_IGNORE, OPPOSITE_CLOSE, OPPOSITE_CLOSE_REDUCE, OPPOSITE_REVERSE,
  STOP_EXIT_MODE_CLOSE, STOP_EXIT_MODE_CLOSE_REDUCE, STOP_EXIT_MODE_REVERSE,
  SIZE_TYPE_AMOUNT, SIZE_TYPE_VALUE, SIZE_TYPE_PERCENT,
} from "./layout/records";
import { DIR_LONG_ONLY, DIR_SHORT_ONLY, DIR_BOTH } from "./orders";

export let longEntry = false;
export let longExit = false;
export let shortEntry = false;
export let shortExit = false;
export let accumulate: i32 = ACCUMULATE_DISABLED;

// signalsToSize's result
export let orderSize: f64 = 0; // signed: > 0 buys
export let orderSizeType: i32 = SIZE_TYPE_AMOUNT;
export let orderDirection: i32 = DIR_BOTH;

export function setSignals(le: bool, lx: bool, se: bool, sx: bool, acc: i32): void {
  longEntry = le; longExit = lx; shortEntry = se; shortExit = sx; accumulate = acc;
}

// A stop that fired becomes the signal upon_stop_exit asks for (vectorbt: the stop comes first).
export function stopSignals(pos: f64, mode: i32, acc: i32): void {
  setSignals(false, false, false, false, acc);
  const close = mode == STOP_EXIT_MODE_CLOSE || mode == STOP_EXIT_MODE_CLOSE_REDUCE;
  // Close and Reverse always act on the whole position; the *Reduce modes follow accumulation
  if (mode == STOP_EXIT_MODE_CLOSE || mode == STOP_EXIT_MODE_REVERSE) accumulate = ACCUMULATE_DISABLED;
  if (pos > 0) {
    if (close) longExit = true; else shortEntry = true;
  } else if (pos < 0) {
    if (close) shortExit = true; else longEntry = true;
  }
}

// An entry and an exit of one direction on the same bar (upon_long_conflict / upon_short_conflict).
// `isLong`: which direction's pair; returns the pair through the globals.
export function resolveConflict(pos: f64, isLong: bool, mode: i32): void {
  let entry = isLong ? longEntry : shortEntry;
  let exit = isLong ? longExit : shortExit;
  if (entry && exit) {
    if (mode == CONFLICT_ENTRY) {
      exit = false;
    } else if (mode == CONFLICT_EXIT) {
      entry = false;
    } else if (mode == CONFLICT_ADJACENT || mode == CONFLICT_OPPOSITE) {
      // flat: undecidable, both dropped. In a position, vectorbt resolves each direction's pair
      // as a one-direction pair: Adjacent keeps the entry, Opposite the exit, whichever side the
      // position is on (its two-direction rule, by the position's sign, is never reached here).
      if (pos == 0) {
        entry = false;
        exit = false;
      } else if (mode == CONFLICT_ADJACENT) {
        exit = false;
      } else {
        entry = false;
      }
    } else {
      entry = false;
      exit = false;
    }
  }
  if (isLong) {
    longEntry = entry; longExit = exit;
  } else {
    shortEntry = entry; shortExit = exit;
  }
}

// A long and a short entry on the same bar (upon_dir_conflict).
export function resolveDirConflict(pos: f64, mode: i32): void {
  if (!(longEntry && shortEntry)) return;
  if (mode == DIR_CONFLICT_LONG) {
    shortEntry = false;
  } else if (mode == DIR_CONFLICT_SHORT) {
    longEntry = false;
  } else if (mode == DIR_CONFLICT_ADJACENT) {
    if (pos > 0) shortEntry = false;
    else if (pos < 0) longEntry = false;
    else { longEntry = false; shortEntry = false; }
  } else if (mode == DIR_CONFLICT_OPPOSITE) {
    if (pos > 0) longEntry = false;
    else if (pos < 0) shortEntry = false;
    else { longEntry = false; shortEntry = false; }
  } else {
    longEntry = false;
    shortEntry = false;
  }
}

// An entry against the position held (upon_opposite_entry).
export function resolveOppositeEntry(pos: f64, mode: i32): void {
  if (pos > 0 && shortEntry) {
    if (mode == OPPOSITE_IGNORE) {
      shortEntry = false;
    } else if (mode == OPPOSITE_CLOSE) {
      shortEntry = false; longExit = true; accumulate = ACCUMULATE_DISABLED;
    } else if (mode == OPPOSITE_CLOSE_REDUCE) {
      shortEntry = false; longExit = true;
    } else if (mode == OPPOSITE_REVERSE) {
      accumulate = ACCUMULATE_DISABLED;
    }
  }
  if (pos < 0 && longEntry) {
    if (mode == OPPOSITE_IGNORE) {
      longEntry = false;
    } else if (mode == OPPOSITE_CLOSE) {
      longEntry = false; shortExit = true; accumulate = ACCUMULATE_DISABLED;
    } else if (mode == OPPOSITE_CLOSE_REDUCE) {
      longEntry = false; shortExit = true;
    } else if (mode == OPPOSITE_REVERSE) {
      accumulate = ACCUMULATE_DISABLED;
    }
  }
}

// @ts-ignore: decorator
@inline function removes(acc: i32): bool {
  return acc == ACCUMULATE_BOTH || acc == ACCUMULATE_REMOVE_ONLY;
}

// @ts-ignore: decorator
@inline function adds(acc: i32): bool {
  return acc == ACCUMULATE_BOTH || acc == ACCUMULATE_ADD_ONLY;
}

// The final signals as one order (signals_to_size): 0 = no order. A reversal is one order that
// closes the position and opens the other side by `size`. (A percent size cannot reverse: the
// host refuses such settings up front, as vectorbt would raise.)
export function signalsToSize(pos: f64, size: f64, sizeType: i32, valPrice: f64): void {
  orderSize = 0;
  orderSizeType = sizeType;
  orderDirection = DIR_BOTH;
  const absPos = Math.abs(pos);
  if (pos > 0) {
    if (shortEntry) {
      if (removes(accumulate)) {
        orderSize = -size;
      } else {
        if (sizeType == SIZE_TYPE_PERCENT) unreachable();
        orderSize = -absPos - (sizeType == SIZE_TYPE_VALUE ? size / valPrice : size);
        orderSizeType = SIZE_TYPE_AMOUNT;
      }
    } else if (longExit) {
      orderDirection = DIR_LONG_ONLY;
      if (removes(accumulate)) {
        orderSize = -size;
      } else {
        orderSize = -absPos;
        orderSizeType = SIZE_TYPE_AMOUNT;
      }
    } else if (longEntry) {
      orderDirection = DIR_LONG_ONLY;
      if (adds(accumulate)) orderSize = size;
    }
  } else if (pos < 0) {
    if (longEntry) {
      if (removes(accumulate)) {
        orderSize = size;
      } else {
        if (sizeType == SIZE_TYPE_PERCENT) unreachable();
        orderSize = absPos + (sizeType == SIZE_TYPE_VALUE ? size / valPrice : size);
        orderSizeType = SIZE_TYPE_AMOUNT;
      }
    } else if (shortExit) {
      orderDirection = DIR_SHORT_ONLY;
      if (removes(accumulate)) {
        orderSize = size;
      } else {
        orderSize = absPos;
        orderSizeType = SIZE_TYPE_AMOUNT;
      }
    } else if (shortEntry) {
      orderDirection = DIR_SHORT_ONLY;
      if (adds(accumulate)) orderSize = -size;
    }
  } else {
    if (longEntry) orderSize = size;
    else if (shortEntry) orderSize = -size;
  }
}
