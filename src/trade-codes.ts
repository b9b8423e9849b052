// The names of the kernel's trade-record codes (assembly/layout/records.ts keeps integers only): each
// array is the definition, indexed by code. The writer, --compare, the report and test/model.ts
// all take the names from here; test/trade-codes.test.ts pins every code to its name.
export const DIRECTION_NAMES = ['long', 'short'] as const;
export const STATUS_NAMES = ['open', 'closed'] as const;
export const REASON_NAMES = ['sl', 'tsl', 'tp', 'signal', 'end'] as const;

export type TradeDirection = (typeof DIRECTION_NAMES)[number];
export type TradeStatus = (typeof STATUS_NAMES)[number];
export type ExitReason = (typeof REASON_NAMES)[number];

