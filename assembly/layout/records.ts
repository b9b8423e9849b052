// Every offset, size, enum and code the kernel and the host share, defined once.
// Only `export const NAME = <integer>` lines: valid AssemblyScript and valid TypeScript alike,
// so both sides import this one file and can never disagree about offsets.
// test/engine/layout.test.ts checks that the fields of each block don't overlap and fit its size.

// One record: 7 float64 fields, then 2 int32 bar indices, then 3 uint8 codes; 72 bytes, 8-aligned.
// Records are stored field by field (see the record chunks below): REC_X · capacity is where
// field X's array starts in a chunk, so each field's values lie side by side, one copy per field.
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
export const STATS_SLOTS = 9;
export const STAT_TOTAL_PROFIT = 0; // vectorbt total_profit: cash + assets * last close, from order flows
export const STAT_TOTAL_FEES = 1;
export const STAT_SUM_RET = 2; // Σ r, plain, in bar order
export const STAT_SUM_RET_SQ = 3; // Σ (r − K)² over all bars, K = STAT_RET_SHIFT
export const STAT_SUM_DOWN_SQ = 4; // Σ min(r, 0)²
export const STAT_MIN_DRAWDOWN = 5; // min over bars of cum/peak − 1 (≤ 0)
export const STAT_CUM_PROD = 6; // Π (1 + r)
export const STAT_ORDERS = 7; // filled orders (the bench's ns per order)
export const STAT_RET_SHIFT = 8; // K: the column's first non-zero return (0 if none)

// ---------------------------------------------------------------------------------------------
// The kernel's control blocks in the shared memory (byte offsets). The host writes the batch
// header and the column table; the kernel owns the per-column state blocks; each thread has one
// control block that says which column group it runs and where its record chunks come from.

// Batch header: int32 fields, then float64 fields.
export const HDR_BYTES = 96;
export const HDR_N_BARS = 0;
export const HDR_N_DAYS = 4;
export const HDR_OPEN = 8; // pointers (uint32)
export const HDR_HIGH = 12;
export const HDR_LOW = 16;
export const HDR_CLOSE = 20;
export const HDR_DAY_END = 24;
export const HDR_COLUMNS = 28; // the column table
export const HDR_STATE = 32; // the per-column state blocks
export const HDR_STATS = 36; // nCols × STATS_SLOTS float64
export const HDR_DAILY = 40; // nCols × nDays float64
export const HDR_DIRECTORY = 44; // nCols × [first record chunk, record count] uint32
export const HDR_TILE_BARS = 48; // bars per tile
export const HDR_MIN_SIZE = 56; // float64

// Column table, one entry per column: signal pointers (0 = no such signals), the stops, the
// column's costs and sizing, then its from_signals modes as one byte each (the codes below).
export const COL_BYTES = 96;
export const COL_LONG = 0; // entries (uint32 pointers to one bit per bar)
export const COL_SHORT = 4;
export const COL_TP = 8; // float64 fractions, NaN = off
export const COL_SL = 16;
export const COL_TSL = 24;
export const COL_LONG_EXIT = 32; // exits (uint32 pointers, 0 = none)
export const COL_SHORT_EXIT = 36;
export const COL_FEES = 40; // float64
export const COL_FIXED_FEES = 48;
export const COL_SLIPPAGE = 56;
export const COL_INIT_CASH = 64;
export const COL_SIZE = 72; // in units of SIZE_TYPE (inf = all cash)
export const COL_SIZE_TYPE = 80; // uint8 codes from here on
export const COL_PRICE = 81;
export const COL_ACCUMULATE = 82;
export const COL_UPON_OPPOSITE_ENTRY = 83;
export const COL_UPON_LONG_CONFLICT = 84;
export const COL_UPON_SHORT_CONFLICT = 85;
export const COL_UPON_DIR_CONFLICT = 86;
export const COL_STOP_ENTRY_PRICE = 87;
export const COL_STOP_EXIT_PRICE = 88;
export const COL_UPON_STOP_EXIT = 89;
export const COL_GENERAL = 90; // uint8: 1 = the general path (general.ts), 0 = the fast one (the host decides)
export const COL_ANY_SIGNAL = 92; // uint32 pointer: the OR of the four signals' bits (general columns)

// The modes' codes: vectorbt's own enum values (vectorbt.portfolio.enums), so a code means the
// same on both sides. The defaults are the seed pipeline's call.
export const SIZE_TYPE_AMOUNT = 0; // default
export const SIZE_TYPE_VALUE = 1;
export const SIZE_TYPE_PERCENT = 2;
export const PRICE_CLOSE = 0; // default (vectorbt price=np.inf)
export const PRICE_OPEN = 1; // vectorbt price=-np.inf
export const ACCUMULATE_DISABLED = 0; // default
export const ACCUMULATE_BOTH = 1;
export const ACCUMULATE_ADD_ONLY = 2;
export const ACCUMULATE_REMOVE_ONLY = 3;
export const OPPOSITE_IGNORE = 0;
export const OPPOSITE_CLOSE = 1;
export const OPPOSITE_CLOSE_REDUCE = 2;
export const OPPOSITE_REVERSE = 3;
export const OPPOSITE_REVERSE_REDUCE = 4; // default
export const CONFLICT_IGNORE = 0; // default (upon_long_conflict, upon_short_conflict)
export const CONFLICT_ENTRY = 1;
export const CONFLICT_EXIT = 2;
export const CONFLICT_ADJACENT = 3;
export const CONFLICT_OPPOSITE = 4;
export const DIR_CONFLICT_IGNORE = 0; // default
export const DIR_CONFLICT_LONG = 1;
export const DIR_CONFLICT_SHORT = 2;
export const DIR_CONFLICT_ADJACENT = 3;
export const DIR_CONFLICT_OPPOSITE = 4;
export const STOP_ENTRY_VAL_PRICE = 0;
export const STOP_ENTRY_PRICE = 1;
export const STOP_ENTRY_FILL_PRICE = 2;
export const STOP_ENTRY_CLOSE = 3; // default
export const STOP_EXIT_STOP_LIMIT = 0; // default
export const STOP_EXIT_STOP_MARKET = 1;
export const STOP_EXIT_PRICE = 2;
export const STOP_EXIT_CLOSE = 3;
export const STOP_EXIT_MODE_CLOSE = 0; // default (upon_stop_exit)
export const STOP_EXIT_MODE_CLOSE_REDUCE = 1;
export const STOP_EXIT_MODE_REVERSE = 2;
export const STOP_EXIT_MODE_REVERSE_REDUCE = 3;

// Per-column state block: everything a column's bar loop carries from one tile to the next
// (the host zeroes the blocks; the kernel owns their content). float64 slots, then int32/uint32.
export const STATE_BYTES = 384;
export const STATE_CASH = 0; // account (orders.ts)
export const STATE_POSITION = 8;
export const STATE_DEBT = 16;
export const STATE_FREE_CASH = 24;
export const STATE_SL_INIT = 32; // stops (simulate.ts)
export const STATE_SL_CURR = 40;
export const STATE_SL_STOP = 48;
export const STATE_TP_INIT = 56;
export const STATE_TP_STOP = 64;
export const STATE_ENTRY_SIZE = 72; // the open exit trade (trades.ts)
export const STATE_ENTRY_GROSS = 80;
export const STATE_ENTRY_FEES = 88;
export const STATE_CASH_SERIES = 96; // the value series (simulate.ts)
export const STATE_ASSET_SERIES = 104;
export const STATE_VALUE = 112;
export const STATE_PREV_VALUE = 120; // the return accumulators (returns.ts)
export const STATE_SUM_RET = 128;
export const STATE_RET_SHIFT = 160;
export const STATE_SUM_RET_SQ0 = 168;
export const STATE_SUM_RET_SQ1 = 176;
export const STATE_SUM_DOWN_SQ0 = 184;
export const STATE_SUM_DOWN_SQ1 = 192;
export const STATE_CUM_PROD = 200;
export const STATE_CUM_PEAK = 208;
export const STATE_MIN_DD = 216;
export const STATE_MIN_OUT = 224;
export const STATE_PROFIT_CASH = 232; // order-flow totals (orders.ts)
export const STATE_PROFIT_ASSETS = 240;
export const STATE_TOTAL_FEES = 248;
export const STATE_I = 256; // int32: the next bar to run (simulate.ts)
export const STATE_PHASE = 260; // PHASE_*
export const STATE_SL_TRAIL = 264;
export const STATE_LOSS_KIND = 268;
export const STATE_IN_TRADE = 272; // trades.ts
export const STATE_TRADE_DIR = 276;
export const STATE_TRADE_ENTRY = 280;
export const STATE_RECORDS = 284;
export const STATE_CHUNK = 288;
export const STATE_REC_CAP = 292; // the current chunk's capacity
export const STATE_REC_LEFT = 296;
export const STATE_CHUNK_CAP = 300;
export const STATE_DAY = 304; // returns.ts
export const STATE_NEXT_DAY_END = 308;
export const STATE_ORDERS = 312; // orders.ts
export const STATE_SHIFT_SET = 316; // returns.ts
export const STATE_SHIFT_COUNT = 320;
export const STATE_CUM_HUNDRED = 328; // returns.ts: the drawdown's running product from 100
export const STATE_DRAWDOWN_NAN = 336; // int32: a bar's drawdown was NaN

// A column's phase (STATE_PHASE): a zeroed block is a column not yet started.
export const PHASE_FRESH = 0;
export const PHASE_RUNNING = 1;
export const PHASE_FINISHED = 2;

// Per-thread control block (int32/uint32 fields), then the kernel's scratch room.
export const CTL_BYTES = 4224;
export const CTL_FIRST_COL = 0; // the group: columns [first, first + count)
export const CTL_COL_COUNT = 4;
export const CTL_TILE_START = 8; // where to resume: this tile's first bar,
export const CTL_COL_INDEX = 12; // and the group's column within it
export const CTL_ALLOC_PTR = 16; // free room for record chunks: [ptr, end)
export const CTL_ALLOC_END = 20;
export const CTL_NEED_BYTES = 24; // set with RUN_NEED_ROOM: the chunk that did not fit
export const CTL_SCRATCH = 64; // 4160 bytes the kernel uses as it likes

// Record chunks: [next chunk uint32 (0 = last), capacity uint32], then room for `capacity`
// records as one array per field: record k's field X at CHUNK_HEADER + capacity·REC_X + k·width(X)
// (each REC_X is a multiple of its width, so every array is aligned). Every chunk but a column's last is full.
export const CHUNK_HEADER = 8;
export const CHUNK_MIN_RECORDS = 32;
export const CHUNK_MAX_RECORDS = 2048;

// simulateGroup's result.
export const RUN_DONE = 0; // the group is finished
export const RUN_TILE_DONE = 1; // one tile done; call again for the next
export const RUN_NEED_ROOM = 2; // out of chunk room: give [ptr, end) more bytes and call again
