/**
 * The only module that knows which Kafka client the platform uses
 * (docs/adr/004-kafka-client.md). Everything else imports from here.
 */
export { createAdmin, type KafkaAdmin } from "./admin.ts";
export { type ConsumerOptions, createConsumer, type KafkaConsumer } from "./consumer.ts";
export {
  BrokerUnavailableError,
  brokerErrorNames,
  isBrokerUnreachable,
  isFenced,
} from "./errors.ts";
export {
  createFetcher,
  type FetchedPartition,
  type Fetcher,
  type FetchPosition,
} from "./fetcher.ts";
export {
  createFollower,
  type FollowedBatch,
  type FollowedRecord,
  type Follower,
  type FollowerOptions,
  slotOf,
} from "./follower.ts";
export {
  type Assignor,
  createGroupMember,
  type Generation,
  type GroupMember,
  partitionKey,
  type TopicPartition,
} from "./group-member.ts";
export { partitionFor } from "./partitioner.ts";
export { lastPerPartition } from "./positions.ts";
export {
  createProducer,
  type KafkaProducer,
  type KafkaTransaction,
  type ProducerOptions,
} from "./producer.ts";
export type {
  InRecord,
  IsolationLevel,
  OutRecord,
  RecordPosition,
  StartFrom,
  TopicSpec,
} from "./types.ts";
