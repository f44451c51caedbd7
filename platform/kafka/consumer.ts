import {
  Consumer,
  FetchIsolationLevels,
  type Message,
  type MessagesStream,
} from "@platformatic/kafka";
import { connectionOptions } from "./connection.ts";
import { decodeHeaders } from "./headers.ts";
import { lastPerPartition } from "./positions.ts";
import type { InRecord, IsolationLevel, StartFrom } from "./types.ts";

export interface ConsumerOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  isolation?: IsolationLevel;
  /** Where to start when the group has no committed offset for a partition. */
  startFrom?: StartFrom;
  sessionTimeoutMs?: number;
  maxWaitMs?: number;
}

export const rawConsumer = Symbol("rawConsumer");
const raw = Symbol("rawMessage");

export interface KafkaConsumer {
  readonly groupId: string;
  readonly [rawConsumer]: unknown;
  /**
   * The group's records from its committed offsets on, until the consumer is closed.
   * Offsets are committed only by commit() or by a transaction, never automatically.
   */
  records(topics: string[]): AsyncIterable<InRecord>;
  /** Marks these records (and everything before them in their partitions) consumed. */
  commit(records: readonly InRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** The client's own message behind a record, for transactional offset commits. */
export function rawMessage(record: InRecord): Message {
  const message = (record as InRecord & { [raw]?: Message })[raw];
  if (!message) throw new Error("record was not read by a KafkaConsumer");
  return message;
}

export function createConsumer(options: ConsumerOptions): KafkaConsumer {
  const consumer = new Consumer({
    clientId: options.clientId,
    groupId: options.groupId,
    bootstrapBrokers: options.brokers,
    ...connectionOptions(options.brokers),
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: options.maxWaitMs ?? 500,
    isolationLevel:
      (options.isolation ?? "read_committed") === "read_committed"
        ? FetchIsolationLevels.READ_COMMITTED
        : FetchIsolationLevels.READ_UNCOMMITTED,
  });
  const streams: MessagesStream<Buffer, Buffer, Buffer, Buffer>[] = [];

  return {
    groupId: options.groupId,
    [rawConsumer]: consumer,

    async *records(topics) {
      const stream = await consumer.consume({
        topics,
        mode: "committed",
        fallbackMode: options.startFrom ?? "earliest",
        autocommit: false,
      });
      streams.push(stream);
      for await (const message of stream as AsyncIterable<Message>) {
        const record: InRecord & { [raw]?: Message } = {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key && message.key.length > 0 ? message.key : null,
          value: message.value && message.value.length > 0 ? message.value : null,
          headers: decodeHeaders(message.headers),
          timestamp: message.timestamp,
        };
        Object.defineProperty(record, raw, { value: message, enumerable: false });
        yield record;
      }
    },

    async commit(records) {
      for (const r of lastPerPartition(records)) await rawMessage(r).commit();
    },

    async close() {
      for (const stream of streams) await stream.close().catch(() => {});
      await consumer.close(true);
    },
  };
}
