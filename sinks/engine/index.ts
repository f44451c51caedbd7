/** The reusable sink runtime (docs/adr/010-sinks.md). */
export { deadLetter, dlqHeaders, type PoisonRecord } from "./dlq.ts";
export { backoffMs, isRecordFault } from "./errors.ts";
export {
  type ColumnTypes,
  copyFromRows,
  loadColumnTypes,
  quote,
  type Row,
  RowWriter,
  stageRows,
} from "./rows.ts";
export {
  createSink,
  positionsChannel,
  type Sink,
  type SinkLog,
  type SinkOptions,
  type SinkSource,
  type SinkStats,
} from "./sink.ts";
export {
  type BatchScope,
  type DecodedRecord,
  type Handler,
  on,
  onState,
  RejectedRecord,
  type ViewBatch,
  type ViewDefinition,
} from "./types.ts";
export {
  dropAll,
  dropVersion,
  ensureVersion,
  listVersions,
  liveVersion,
  readMigrations,
  swapTo,
  type VersionState,
  type ViewVersion,
  versionSchema,
} from "./versions.ts";
export { type BatchState, defineView, written } from "./view.ts";
