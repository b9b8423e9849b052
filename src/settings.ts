// The from_signals settings a strategy runs under: their vectorbt names, enum codes and the
// per-column arrays the kernel reads (assembly/layout/records.ts: COL_*). A setting is batch-wide
// (SimConfig: CLI flag, library config) unless params.csv sets it for one strategy.
import * as L from '../assembly/layout/records.js';
import type { SimConfig, TradeSettings } from './config.js';

/** Enum names → codes, vectorbt's own values (the kernel's codes are the same numbers). */
export const ENUM_CODES = {
  price: { Close: L.PRICE_CLOSE, Open: L.PRICE_OPEN },
  sizeType: { Amount: L.SIZE_TYPE_AMOUNT, Value: L.SIZE_TYPE_VALUE, Percent: L.SIZE_TYPE_PERCENT },
  accumulate: {
    Disabled: L.ACCUMULATE_DISABLED, Both: L.ACCUMULATE_BOTH, AddOnly: L.ACCUMULATE_ADD_ONLY,
    RemoveOnly: L.ACCUMULATE_REMOVE_ONLY,
  },
  uponOppositeEntry: {
    Ignore: L.OPPOSITE_IGNORE, Close: L.OPPOSITE_CLOSE, CloseReduce: L.OPPOSITE_CLOSE_REDUCE,
    Reverse: L.OPPOSITE_REVERSE, ReverseReduce: L.OPPOSITE_REVERSE_REDUCE,
  },
  uponLongConflict: {
    Ignore: L.CONFLICT_IGNORE, Entry: L.CONFLICT_ENTRY, Exit: L.CONFLICT_EXIT, Adjacent: L.CONFLICT_ADJACENT,
    Opposite: L.CONFLICT_OPPOSITE,
  },
  uponShortConflict: {
    Ignore: L.CONFLICT_IGNORE, Entry: L.CONFLICT_ENTRY, Exit: L.CONFLICT_EXIT, Adjacent: L.CONFLICT_ADJACENT,
    Opposite: L.CONFLICT_OPPOSITE,
  },
  uponDirConflict: {
    Ignore: L.DIR_CONFLICT_IGNORE, Long: L.DIR_CONFLICT_LONG, Short: L.DIR_CONFLICT_SHORT,
    Adjacent: L.DIR_CONFLICT_ADJACENT, Opposite: L.DIR_CONFLICT_OPPOSITE,
  },
  stopEntryPrice: {
    ValPrice: L.STOP_ENTRY_VAL_PRICE, Price: L.STOP_ENTRY_PRICE, FillPrice: L.STOP_ENTRY_FILL_PRICE,
    Close: L.STOP_ENTRY_CLOSE,
  },
  stopExitPrice: {
    StopLimit: L.STOP_EXIT_STOP_LIMIT, StopMarket: L.STOP_EXIT_STOP_MARKET, Price: L.STOP_EXIT_PRICE,
    Close: L.STOP_EXIT_CLOSE,
  },
  uponStopExit: {
    Close: L.STOP_EXIT_MODE_CLOSE, CloseReduce: L.STOP_EXIT_MODE_CLOSE_REDUCE, Reverse: L.STOP_EXIT_MODE_REVERSE,
    ReverseReduce: L.STOP_EXIT_MODE_REVERSE_REDUCE,
  },
} as const satisfies { [K in keyof TradeSettings]?: Record<string, number> };

export type EnumSetting = keyof typeof ENUM_CODES;
export type NumberSetting = 'fees' | 'fixedFees' | 'slippage' | 'initCash' | 'size';
export const NUMBER_SETTINGS: readonly NumberSetting[] = ['fees', 'fixedFees', 'slippage', 'initCash', 'size'];
export const ENUM_SETTINGS = Object.keys(ENUM_CODES) as EnumSetting[];
export const isNumberSetting = (key: keyof TradeSettings): key is NumberSetting =>
  (NUMBER_SETTINGS as readonly string[]).includes(key);

/** One strategy's params.csv settings: only those its row sets (an empty cell is absent). */
export type SettingOverrides = Partial<TradeSettings>;

/** Every column's settings, as the kernel's column table takes them. */
export interface ColumnSettings {
  fees: Float64Array;
  fixedFees: Float64Array;
  slippage: Float64Array;
  initCash: Float64Array;
  size: Float64Array;
  /** Per enum setting, one code per column. */
  codes: Record<EnumSetting, Uint8Array>;
}

/** The batch settings for every column, overridden per column where `overrides[c]` says so. */
export function columnSettings(config: SimConfig, nCols: number,
  overrides?: readonly (SettingOverrides | undefined)[]): ColumnSettings {
  const out: ColumnSettings = {
    fees: new Float64Array(nCols), fixedFees: new Float64Array(nCols), slippage: new Float64Array(nCols),
    initCash: new Float64Array(nCols), size: new Float64Array(nCols),
    codes: Object.fromEntries(ENUM_SETTINGS.map((k) => [k, new Uint8Array(nCols)])) as Record<EnumSetting, Uint8Array>,
  };
  for (let c = 0; c < nCols; c++) {
    const o = overrides?.[c];
    for (const k of NUMBER_SETTINGS) out[k][c] = o?.[k] ?? config[k];
    for (const k of ENUM_SETTINGS) {
      const name = (o?.[k] ?? config[k]) as string;
      out.codes[k][c] = (ENUM_CODES[k] as Record<string, number>)[name];
    }
  }
  return out;
}

/** Where a setting can be given, and what it does (the CLI's help, the README's table). */
export interface SettingDoc {
  /** vectorbt's argument name: the params.csv column (null: batch-wide only). */
  column: string | null;
  /** The command-line option (`simrun`, `simrun queue add`). */
  flag: string;
  /** The placeholder of the option's value in --help. */
  arg: string;
  /** One sentence on what it does. */
  help: string;
}

/** Every setting of SimConfig, in the order the CLI's --help and the README list them. */
export const SETTING_DOCS: Readonly<Record<keyof SimConfig, SettingDoc>> = {
  fees: { column: 'fees', flag: '--fees', arg: 'x', help: 'proportional fee per order, as a fraction of its value' },
  fixedFees: { column: 'fixed_fees', flag: '--fixed-fees', arg: 'x', help: 'fixed fee per order, in cash' },
  slippage: { column: 'slippage', flag: '--slippage', arg: 'x',
    help: 'fraction added to the price of buys and taken off sells (0 ≤ x < 1; stop exits per --stop-exit-price)' },
  initCash: { column: 'init_cash', flag: '--init-cash', arg: 'x', help: 'starting cash of each strategy (> 0, at most 1e15)' },
  price: { column: 'price', flag: '--price', arg: 'name', help: "signal orders fill at the bar's Close or at its Open" },
  size: { column: 'size', flag: '--size', arg: 'x',
    help: 'order size in units of --size-type; inf = as much as cash allows (Percent: a fraction in (0, 1])' },
  sizeType: { column: 'size_type', flag: '--size-type', arg: 'name',
    help: 'what --size counts: Amount (units of the asset), Value (cash) or Percent (of the available resources)' },
  accumulate: { column: 'accumulate', flag: '--accumulate', arg: 'name',
    help: 'whether entries add to an open position and exits reduce it: Disabled, Both, AddOnly, RemoveOnly (true = Both, false = Disabled)' },
  uponOppositeEntry: { column: 'upon_opposite_entry', flag: '--upon-opposite-entry', arg: 'name',
    help: 'an entry against the open position: Ignore it, Close or CloseReduce the position, Reverse or ReverseReduce into the entry' },
  uponLongConflict: { column: 'upon_long_conflict', flag: '--upon-long-conflict', arg: 'name',
    help: 'a long entry and a long exit on one bar: Ignore both, take the Entry or the Exit, or (only in a position) the Adjacent or the Opposite signal' },
  uponShortConflict: { column: 'upon_short_conflict', flag: '--upon-short-conflict', arg: 'name',
    help: 'a short entry and a short exit on one bar, as for --upon-long-conflict' },
  uponDirConflict: { column: 'upon_dir_conflict', flag: '--upon-dir-conflict', arg: 'name',
    help: 'a long and a short entry on one bar: Ignore both, take the Long or the Short, or (only in a position) the Adjacent or the Opposite entry' },
  stopEntryPrice: { column: 'stop_entry_price', flag: '--stop-entry-price', arg: 'name',
    help: "the price stops are measured from: ValPrice (the valuation price), Price (the order's), FillPrice (with slippage) or the entry bar's Close" },
  stopExitPrice: { column: 'stop_exit_price', flag: '--stop-exit-price', arg: 'name',
    help: 'the price a stop exit fills at: StopLimit (the stop level), StopMarket (the level with slippage), Price or the bar\'s Close' },
  uponStopExit: { column: 'upon_stop_exit', flag: '--upon-stop-exit', arg: 'name',
    help: 'what a stop does: Close or CloseReduce the position, Reverse or ReverseReduce into the opposite one' },
  minSize: { column: null, flag: '--min-size', arg: 'x', help: 'orders smaller than this are rejected (batch-wide only)' },
};

/** The settings params.csv can set, by column name (vectorbt's argument names). */
export const SETTING_OF_COLUMN: ReadonlyMap<string, keyof TradeSettings> = new Map(
  (Object.keys(SETTING_DOCS) as (keyof SimConfig)[]).flatMap((k) => {
    const column = SETTING_DOCS[k].column;
    return column === null ? [] : [[column, k as keyof TradeSettings] as const];
  }));

/** A strategy's settings: the batch's, with its own params.csv values over them. */
export function strategySettings(config: SimConfig, overrides: SettingOverrides | undefined): SimConfig {
  return overrides ? { ...config, ...overrides } : config;
}
