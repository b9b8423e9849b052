// Exit trades (vectorbt's exit_trades), built incrementally from filled orders exactly as vectorbt
// aggregates them, and written as records into the column's chain of record chunks
// (layout/records.ts: REC_*, CHUNK_*).

import {
  RECORD_SIZE, REC_ENTRY_PRICE, REC_ENTRY_FEES, REC_EXIT_PRICE, REC_EXIT_FEES, REC_SIZE, REC_PNL,
  REC_RETURN, REC_ENTRY_IDX, REC_EXIT_IDX, REC_DIRECTION, REC_STATUS, REC_REASON,
  DIRECTION_LONG, DIRECTION_SHORT, STATUS_OPEN, STATUS_CLOSED, REASON_SIGNAL, REASON_END,
  CHUNK_HEADER, CHUNK_MIN_RECORDS, CHUNK_MAX_RECORDS,
  STATE_IN_TRADE, STATE_TRADE_DIR, STATE_TRADE_ENTRY, STATE_ENTRY_SIZE, STATE_ENTRY_GROSS,
  STATE_ENTRY_FEES, STATE_RECORDS, STATE_CHUNK, STATE_REC_CAP, STATE_REC_LEFT, STATE_CHUNK_CAP,
} from "./layout/records";
import { isClose, isCloseOrLess, isLess, addNb } from "./tolerance";
import { fillSize, fillPrice, fillFees, fillIsBuy } from "./orders";

// the exit trade being built
let inTrade: bool = false;
let tradeDirection: i32 = DIRECTION_LONG;
let tradeEntryIdx: i32 = 0;
let entrySizeSum: f64 = 0;
let entryGrossSum: f64 = 0;
let entryFeesSum: f64 = 0;
let recordCount: i32 = 0;
let recCap: i32 = 0; // the current chunk's capacity
let recLeft: i32 = 0; // records the current chunk still has room for (0: none yet, or full)
let curChunk: usize = 0; // the column's current chunk (0: none yet)
let chunkCap: i32 = 0; // capacity of the column's next chunk
let dirEntry: usize = 0; // the column's directory entry
// this thread's free room for chunks, from its control block
export let allocPtr: usize = 0;
let allocEnd: usize = 0;
export let needBytes: usize = 0;


function writeRecord(
  size: f64, entryPrice: f64, entryFees: f64, exitIdx: i32, exitPrice: f64, exitFees: f64,
  status: i32, reason: i32,
): void {
  // room is made before any step that can write (`ensureRecordRoom`): at most one record a step
  if (recLeft <= 0) unreachable();
  const entryVal = size * entryPrice;
  const exitVal = size * exitPrice;
  let valDiff = addNb(exitVal, -entryVal);
  if (valDiff != 0 && tradeDirection == DIRECTION_SHORT) valDiff = -valDiff;
  const pnl = valDiff - entryFees - exitFees;
  // field by field (layout/records.ts): field X of record k at base + cap·REC_X + k·width
  const cap: usize = <usize>recCap;
  const k: usize = <usize>(recCap - recLeft);
  const base = curChunk + CHUNK_HEADER;
  const p8 = base + (k << 3);
  store<f64>(p8 + cap * REC_ENTRY_PRICE, entryPrice);
  store<f64>(p8 + cap * REC_ENTRY_FEES, entryFees);
  store<f64>(p8 + cap * REC_EXIT_PRICE, exitPrice);
  store<f64>(p8 + cap * REC_EXIT_FEES, exitFees);
  store<f64>(p8 + cap * REC_SIZE, size);
  store<f64>(p8 + cap * REC_PNL, pnl);
  store<f64>(p8 + cap * REC_RETURN, pnl / entryVal);
  const p4 = base + (k << 2);
  store<i32>(p4 + cap * REC_ENTRY_IDX, tradeEntryIdx);
  store<i32>(p4 + cap * REC_EXIT_IDX, exitIdx);
  const p1 = base + k;
  store<u8>(p1 + cap * REC_DIRECTION, <u8>tradeDirection);
  store<u8>(p1 + cap * REC_STATUS, <u8>status);
  store<u8>(p1 + cap * REC_REASON, <u8>reason);
  recLeft--;
  recordCount++;
}

// Room for one more record: the current chunk's, else a new chunk from the thread's free room
// (each twice the last, up to CHUNK_MAX_RECORDS), linked after the current one. False when the
// free room is too small: `needBytes` says how much the host must give.
export function ensureRecordRoom(): bool {
  if (recLeft > 0) return true;
  const bytes: usize = <usize>CHUNK_HEADER + <usize>chunkCap * <usize>RECORD_SIZE;
  if (allocEnd - allocPtr < bytes) {
    needBytes = bytes;
    return false;
  }
  const c = allocPtr;
  allocPtr += bytes;
  store<u32>(c, 0);
  store<u32>(c + 4, chunkCap);
  store<u32>(curChunk == 0 ? dirEntry : curChunk, <u32>c);
  curChunk = c;
  recCap = chunkCap;
  recLeft = chunkCap;
  if (chunkCap < CHUNK_MAX_RECORDS) chunkCap <<= 1;
  return true;
}

export function addFillToTrades(i: i32, reason: i32): void {
  if (!inTrade) {
    inTrade = true;
    tradeEntryIdx = i;
    tradeDirection = fillIsBuy ? DIRECTION_LONG : DIRECTION_SHORT;
    entrySizeSum = 0;
    entryGrossSum = 0;
    entryFeesSum = 0;
  }
  const increases = (tradeDirection == DIRECTION_LONG) == fillIsBuy;
  if (increases) {
    entrySizeSum += fillSize;
    entryGrossSum += fillSize * fillPrice;
    entryFeesSum += fillFees;
    return;
  }
  if (isCloseOrLess(fillSize, entrySizeSum)) {
    const closesAll = isClose(fillSize, entrySizeSum);
    const exitSize = closesAll ? entrySizeSum : fillSize;
    const entryPrice = entryGrossSum / entrySizeSum;
    const entryFees = (exitSize / entrySizeSum) * entryFeesSum;
    writeRecord(exitSize, entryPrice, entryFees, i, fillPrice, fillFees, STATUS_CLOSED, reason);
    if (closesAll) {
      inTrade = false;
    } else {
      const remaining = (entrySizeSum - fillSize) / entrySizeSum;
      entrySizeSum *= remaining;
      entryGrossSum *= remaining;
      entryFeesSum *= remaining;
    }
    return;
  }
  // Reversal: one order closes this trade and opens the opposite one; fees split by size.
  const closeSize = entrySizeSum;
  const closeFees = (closeSize / fillSize) * fillFees;
  const entryPrice = entryGrossSum / entrySizeSum;
  const entryFees = (closeSize / entrySizeSum) * entryFeesSum;
  writeRecord(closeSize, entryPrice, entryFees, i, fillPrice, closeFees, STATUS_CLOSED, reason); // a signal, or a stop that reverses
  entrySizeSum = fillSize - closeSize;
  entryGrossSum = entrySizeSum * fillPrice;
  entryFeesSum = fillFees - closeFees;
  tradeEntryIdx = i;
  tradeDirection = tradeDirection == DIRECTION_LONG ? DIRECTION_SHORT : DIRECTION_LONG;
}

// After the last bar: a position still held becomes an open trade valued at the last close, and
// the column's record count goes into its directory entry. False when there is no room for it.
export function finishTrades(lastIdx: i32, lastClose: f64): bool {
  const openTrade = inTrade && isLess(-entrySizeSum, 0);
  if (openTrade) {
    if (!ensureRecordRoom()) return false;
    const entryPrice = entryGrossSum / entrySizeSum;
    const entryFees = (entrySizeSum / entrySizeSum) * entryFeesSum;
    writeRecord(entrySizeSum, entryPrice, entryFees, lastIdx, lastClose, 0, STATUS_OPEN, REASON_END);
  }
  store<u32>(dirEntry + 4, <u32>recordCount);
  return true;
}

// This thread's free room for record chunks, [ptr, end), from its control block.
export function setRecordRoom(ptr: usize, end: usize): void {
  allocPtr = ptr;
  allocEnd = end;
}

// The column about to run: its directory entry ([first chunk, record count]).
export function beginTrades(dirPtr: usize): void {
  dirEntry = dirPtr;
}

// A column's trade state before its first bar.
export function initTrades(st: usize, dirPtr: usize): void {
  store<i32>(st + STATE_IN_TRADE, 0);
  store<i32>(st + STATE_TRADE_DIR, DIRECTION_LONG);
  store<i32>(st + STATE_TRADE_ENTRY, 0);
  store<f64>(st + STATE_ENTRY_SIZE, 0);
  store<f64>(st + STATE_ENTRY_GROSS, 0);
  store<f64>(st + STATE_ENTRY_FEES, 0);
  store<i32>(st + STATE_RECORDS, 0);
  store<u32>(st + STATE_CHUNK, 0);
  store<i32>(st + STATE_REC_CAP, 0);
  store<i32>(st + STATE_REC_LEFT, 0);
  store<i32>(st + STATE_CHUNK_CAP, CHUNK_MIN_RECORDS);
  store<u32>(dirPtr, 0);
  store<u32>(dirPtr + 4, 0);
}

export function loadTrades(st: usize): void {
  inTrade = load<i32>(st + STATE_IN_TRADE) != 0;
  tradeDirection = load<i32>(st + STATE_TRADE_DIR);
  tradeEntryIdx = load<i32>(st + STATE_TRADE_ENTRY);
  entrySizeSum = load<f64>(st + STATE_ENTRY_SIZE);
  entryGrossSum = load<f64>(st + STATE_ENTRY_GROSS);
  entryFeesSum = load<f64>(st + STATE_ENTRY_FEES);
  recordCount = load<i32>(st + STATE_RECORDS);
  curChunk = load<u32>(st + STATE_CHUNK);
  recCap = load<i32>(st + STATE_REC_CAP);
  recLeft = load<i32>(st + STATE_REC_LEFT);
  chunkCap = load<i32>(st + STATE_CHUNK_CAP);
}

export function saveTrades(st: usize): void {
  store<i32>(st + STATE_IN_TRADE, inTrade ? 1 : 0);
  store<i32>(st + STATE_TRADE_DIR, tradeDirection);
  store<i32>(st + STATE_TRADE_ENTRY, tradeEntryIdx);
  store<f64>(st + STATE_ENTRY_SIZE, entrySizeSum);
  store<f64>(st + STATE_ENTRY_GROSS, entryGrossSum);
  store<f64>(st + STATE_ENTRY_FEES, entryFeesSum);
  store<i32>(st + STATE_RECORDS, recordCount);
  store<u32>(st + STATE_CHUNK, <u32>curChunk);
  store<i32>(st + STATE_REC_CAP, recCap);
  store<i32>(st + STATE_REC_LEFT, recLeft);
  store<i32>(st + STATE_CHUNK_CAP, chunkCap);
}
