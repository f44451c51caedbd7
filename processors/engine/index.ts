/**
 * The engine's public surface: what topologies and their tests import. Internals
 * (operators, graph assembly, internal serdes) stay behind it.
 */

export {
  type DroppedRecordsEntry,
  DroppedRecordsSensor,
  type DropReason,
  droppedRecordsSensor,
} from "./dsl/dropped-records.ts";
export { GlobalKTable } from "./dsl/global-ktable.ts";
export { KGroupedStream } from "./dsl/grouped-stream.ts";
export { KGroupedTable } from "./dsl/grouped-table.ts";
export { KStream } from "./dsl/kstream.ts";
export { type ForeignKeyJoinOptions, KTable } from "./dsl/ktable.ts";
export type {
  Consumed,
  Grouped,
  KeyValue,
  Materialized,
  Named,
  Produced,
  StreamJoined,
  TableConsumed,
} from "./dsl/options.ts";
export { BranchedKStream } from "./dsl/split.ts";
// DSL
export { StreamsBuilder } from "./dsl/streams-builder.ts";
export { type Suppressed, untilWindowCloses } from "./dsl/suppressed.ts";
export { SessionWindowedKStream, TimeWindowedKStream } from "./dsl/windowed-stream.ts";
export { JoinWindows, SessionWindows, TimeWindows } from "./dsl/windows.ts";

// Processor API
export type {
  Cancellable,
  Processor,
  ProcessorContext,
  ProcessorSupplier,
  PunctuationType,
} from "./processor/api.ts";
export {
  emptyHeaders,
  type RecordMetadata,
  type StreamRecord,
  type TaskId,
  taskIdString,
  withKeyValue,
  withValue,
} from "./processor/record.ts";
export type { StreamsConfigInput } from "./runtime/config.ts";
export type { RestoreProgress } from "./runtime/state-manager.ts";
// Runtime (the broker side; topologies never need it)
export { type AppState, StreamsApp } from "./runtime/streams-app.ts";
// Serdes
export type { Serde } from "./serde/api.ts";
export { Serdes } from "./serde/serdes.ts";
export { windowedSerde } from "./serde/windowed-serde.ts";
// Stores
export type {
  BytesStore,
  KeyValueStore,
  SessionStore,
  StateStore,
  Windowed,
  WindowStore,
} from "./state/api.ts";
export { createInMemoryBytesStore, InMemoryBytesStore } from "./state/in-memory-bytes-store.ts";
export {
  type SessionStoreOptions,
  type StoreOptions,
  Stores,
  type WindowStoreOptions,
} from "./state/stores.ts";
export {
  type InputTopicOptions,
  TestInputTopic,
  TestOutputTopic,
  type TestRecord,
} from "./testing/test-topics.ts";

// Testing
export { type TestDriverOptions, TopologyTestDriver } from "./testing/topology-test-driver.ts";
export {
  describeTopologyData,
  type StoreDescription,
  type TopologyDescription,
  type TopologyNodeDescription,
} from "./topology/description.ts";
// Topology (what the runtime and the test driver run)
export type {
  GlobalTableSpec,
  InternalTopicSpec,
  NodeSpec,
  StoreSpec,
  SubtopologySpec,
  TimestampExtractor,
  Topology,
} from "./topology/spec.ts";
