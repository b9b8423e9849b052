// Trade-record layout and enum codes, shared by the kernel and the host.
// Only `export const NAME = <integer>` lines: valid AssemblyScript and valid TypeScript alike,
// so both sides import this one file and can never disagree about offsets.

// One record: 7 float64 fields, then 2 int32 bar indices, then 3 uint8 codes; 72 bytes, 8-aligned.
export const RECORD_SIZE = 72;
export const REC_ENTRY_PRICE = 0;
export const REC_ENTRY_FEES = 8;
export const REC_EXIT_PRICE = 16;
export const REC_EXIT_FEES = 24;
export const REC_SIZE = 32;
export const REC_PNL = 40;
export const REC_RETURN = 48;
export const REC_ENTRY_IDX = 56;
export const REC_EXIT_IDX = 60;
export const REC_DIRECTION = 64;
export const REC_STATUS = 65;
export const REC_REASON = 66;

export const DIRECTION_LONG = 0;
export const DIRECTION_SHORT = 1;

export const STATUS_OPEN = 0;
export const STATUS_CLOSED = 1;

export const REASON_SL = 0;
export const REASON_TSL = 1;
export const REASON_TP = 2;
export const REASON_SIGNAL = 3;
export const REASON_END = 4;

// Per-column accumulators the kernel leaves for the metrics (float64 slots).
export const STATS_SLOTS = 12;
export const STAT_TOTAL_PROFIT = 0; // vectorbt total_profit: cash + assets * last close, from order flows
export const STAT_TOTAL_FEES = 1;
export const STAT_SUM_RET = 2; // Σ r, compensated
export const STAT_SUM_RET_SQ = 3; // Σ (r − K)² over all bars, K = STAT_RET_SHIFT
export const STAT_SUM_DOWN_SQ = 4; // Σ min(r, 0)²
export const STAT_MIN_DRAWDOWN = 5; // min over bars of cum/peak − 1 (≤ 0)
export const STAT_CUM_PROD = 6; // Π (1 + r)
export const STAT_ORDERS = 7; // filled orders
export const STAT_RECORDS = 8; // trade records produced (may exceed the buffer: then re-run bigger)
export const STAT_FINAL_VALUE_BARS = 9; // value at the last bar, from vectorbt's cash/asset series
export const STAT_RET_SHIFT = 10; // K: the column's first non-zero return (0 if none)
