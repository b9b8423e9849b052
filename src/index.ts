// simrun's library API.
export { simulate, shutdown, type SimulateOptions, type SimulateResult, type SimulateStrategy } from './simulate.js';
export { runBatch, bundledDataRoot, type RunBatchOptions, type RunBatchResult, type Stage } from './run-batch.js';
export { DEFAULT_CONFIG, ANN_FACTOR, type SimConfig, type TradeSettings } from './config.js';
export { ENUM_CODES, SETTING_DOCS } from './settings.js';
export type { SettingsInput } from './validate.js';
export { SimrunError, type ErrorKind } from './errors.js';
export { tradesTable, type TradeRecords } from './records.js';
export {
  DIRECTION_NAMES, STATUS_NAMES, REASON_NAMES, type TradeDirection, type TradeStatus, type ExitReason,
} from './trade-codes.js';
export { computeMetrics, type StrategyMetrics } from './metrics.js';
export { closeEnough, type CompareReport } from './compare.js';
export { parseBatchName, discoverBatches } from './batch/layout.js';
