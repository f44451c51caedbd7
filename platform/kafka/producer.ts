import { ProduceAcks, Producer } from "@platformatic/kafka";
import { connectionOptions, withClientApiVersions } from "./connection.ts";
import type { KafkaConsumer } from "./consumer.ts";
import { rawConsumer, rawMessage } from "./consumer.ts";
import {
  BrokerUnavailableError,
  brokerErrorNames,
  isBrokerUnreachable,
  isFenced,
  isRetriableRefusal,
  mayHaveReachedBroker,
} from "./errors.ts";
import type { Generation, GroupMember, TopicPartition } from "./group-member.ts";
import { encodeHeaders } from "./headers.ts";
import { partitionFor } from "./partitioner.ts";
import { lastPerPartition } from "./positions.ts";
import type { InRecord, OutRecord, RecordPosition } from "./types.ts";
import { apiKeys, forgetWireRequests, wireRequestsMark } from "./wire-requests.ts";

export interface ProducerOptions {
  brokers: string[];
  clientId: string;
  /** Makes the producer transactional; one id per task, stable across restarts (zombie fencing). */
  transactionalId?: string;
  /**
   * After a transaction whose send the broker refused, start over with a new client (see
   * replaceClient). Only for a transactional id no other process may hold (the API's,
   * one per process): a new client bumps the epoch and would fence whoever took the id
   * over, so a streams task, whose id moves between instances, must never do it.
   */
  restartAfterRefusedSend?: boolean;
  /**
   * How long a send keeps retrying while no broker answers before it gives up with a
   * BrokerUnavailableError (about: an attempt that waits on a silent broker adds up to the
   * client's 5 s request timeout). Without it the idempotent client retries for ever: right
   * for the processors and sinks, which must wait for the log, wrong for a command whose
   * caller waits for an answer. A send given up is never retried later in the background.
   */
  deliveryTimeoutMs?: number;
  /** The Kafka principal on the native stack, when not this process's own. */
  principal?: string;
}

/** The pause between two attempts of a bounded send. */
const retryDelayMs = 250;

/**
 * A transaction begun right after the previous one committed is refused with
 * CONCURRENT_TRANSACTIONS until the coordinator has written the markers, which takes
 * milliseconds. The client waits its usual delay (1 s) before asking again, which capped
 * transactions at a few per second (bench/end-to-end/transaction-retries.ts); Kafka's Java
 * producer retries this one error after 20 ms. The delay doubles from there up to the
 * usual one: after a broker failover the coordinator completes the last transaction only
 * once the partitions have new leaders (seconds), and 20 ms apart a bounded producer's
 * retries were all spent in half a second (tests/integration/faults-broker-killed.test.ts).
 */
export function retryDelayFor(usual: number) {
  return (
    _client: unknown,
    _operation: string,
    attempt: number,
    _retries: number,
    error: unknown,
  ) =>
    brokerErrorNames(error).includes("CONCURRENT_TRANSACTIONS")
      ? Math.min(usual, 20 * 2 ** Math.max(0, attempt - 1))
      : usual;
}

export interface KafkaProducer {
  /** Writes the records (idempotent, acks=all) and resolves with where each one landed. */
  send(records: readonly OutRecord[]): Promise<RecordPosition[]>;
  /**
   * Registers the transactional id with the broker now: an earlier incarnation's open
   * transaction is aborted and that incarnation fenced, so what it left pending stops
   * blocking readers (and stable offset fetches) at once.
   */
  initTransactions(): Promise<void>;
  /** Starts a transaction; only for a producer created with a transactionalId. */
  transaction(): Promise<KafkaTransaction>;
  close(): Promise<void>;
}

/**
 * Everything sent through it, and the consumed offsets handed to it, become visible to
 * read_committed readers together on commit, or never.
 */
export interface KafkaTransaction {
  send(records: readonly OutRecord[]): Promise<RecordPosition[]>;
  /** Commits "consumed up to and including these records" for the consumer's group. */
  sendOffsets(consumer: KafkaConsumer, records: readonly InRecord[]): Promise<void>;
  /**
   * Commits the group's next offsets (the first unread offset per partition), tagged
   * with a generation: one the group has left behind is refused (KIP-447). By default
   * the member's current one; a caller that processed under an earlier assignment passes
   * that one, since the member may have joined a newer generation in the background.
   */
  sendGroupOffsets(
    member: GroupMember,
    offsets: ReadonlyArray<TopicPartition & { offset: bigint }>,
    generation?: Generation,
  ): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

type Transaction = Awaited<ReturnType<Producer["beginTransaction"]>>;

/** Bytes of keys, values and headers per produce request: well under the broker's 1 MiB. */
const MAX_CHUNK_BYTES = 768 * 1024;

/**
 * How far apart two timestamps of one produce request may be. A record stores its time as
 * a delta from its batch's first record, and @platformatic/dynamic-buffer 0.3.1 zigzag-
 * encodes that 64-bit delta with a 31-bit shift: past ±2^31 ms (24.8 days) the delta is
 * written wrong (the broker refuses the batch with INVALID_TIMESTAMP, or keeps a wrong
 * time). Records further apart go in separate requests.
 */
const MAX_TIMESTAMP_SPREAD_MS = 2n ** 31n - 1n;

function* chunksOf(records: readonly OutRecord[]): Iterable<readonly OutRecord[]> {
  let start = 0;
  let bytes = 0;
  const now = BigInt(Date.now());
  let earliest = 0n;
  let latest = 0n;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as OutRecord;
    const at = r.timestamp ?? now;
    if (i === start) {
      earliest = at;
      latest = at;
    }
    if (at < earliest) earliest = at;
    if (at > latest) latest = at;
    if (i > start && latest - earliest > MAX_TIMESTAMP_SPREAD_MS) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
      earliest = at;
      latest = at;
    }
    let size = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (r.headers) {
      const entries = r.headers instanceof Map ? r.headers : Object.entries(r.headers);
      for (const [k, v] of entries as Iterable<[string, string | Buffer]>)
        size += k.length + v.length;
    }
    if (i > start && bytes + size > MAX_CHUNK_BYTES) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
      earliest = at;
      latest = at;
    }
    bytes += size;
  }
  if (start < records.length) yield records.slice(start);
}

export function createProducer(options: ProducerOptions): KafkaProducer {
  const newClient = () =>
    withClientApiVersions(
      new Producer({
        clientId: options.clientId,
        bootstrapBrokers: options.brokers,
        ...connectionOptions(options.brokers, options.principal),
        idempotent: true,
        acks: ProduceAcks.ALL,
        autocreateTopics: false,
        strict: true,
        ...(options.deliveryTimeoutMs === undefined
          ? {}
          : {
              // More than 1, or the client replaces it with "for ever" for idempotent producers.
              retries: Math.max(2, Math.ceil(options.deliveryTimeoutMs / retryDelayMs)),
            }),
        retryDelay: retryDelayFor(options.deliveryTimeoutMs === undefined ? 1_000 : retryDelayMs),
        ...(options.transactionalId
          ? {
              transactionalId: options.transactionalId,
              // The client would otherwise ask InitProducerId for (0, 0), which the broker
              // reads as "I am producer 0, epoch 0" and fences whenever the id was used
              // before: a restarted task could never take over its own transactional id.
              // (-1, -1) is the protocol's "new producer" (KIP-360).
              producerId: -1n,
              producerEpoch: -1,
            }
          : {}),
      }),
    );
  let producer = newClient();
  /**
   * After a transactional send the broker refused, the client's sequence numbers are ahead
   * of what the broker wrote, and every later transaction on those partitions fails with
   * OUT_OF_ORDER_SEQUENCE_NUMBER. A new client starts over: InitProducerId with the same
   * transactional id bumps the epoch (the old one is fenced) and resets the sequences.
   */
  const replaceClient = () => {
    const old = producer;
    producer = newClient();
    old.close().catch(() => {});
    forgetWireRequests(old.instanceId);
  };

  const partitionCounts = async (topics: string[]): Promise<Map<string, number>> => {
    // The client retries an unknown topic for minutes. A topic created a moment ago may
    // not be known to every broker yet, so ask a few times over ~2 s, then say it is missing.
    let metadata: Awaited<ReturnType<Producer["metadata"]>> | undefined;
    for (let attempt = 0; metadata === undefined; attempt++) {
      try {
        metadata = await producer.metadata({ topics, retries: 0 });
      } catch (error) {
        const missing = topics.find((t) => String((error as Error).message).includes(t));
        if (!missing) metadata = await producer.metadata({ topics });
        else if (attempt >= 10)
          throw new Error(`topic ${missing} does not exist`, { cause: error });
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const counts = new Map<string, number>();
    for (const topic of topics) {
      const meta = metadata.topics.get(topic);
      if (!meta) throw new Error(`topic ${topic} does not exist`);
      counts.set(topic, meta.partitionsCount);
    }
    return counts;
  };

  /**
   * One round of produce requests per chunk: the broker refuses a record batch over its
   * message.max.bytes (1 MiB by default), and a commit of a busy interval can hold far
   * more. Chunks go one after another, so records of a partition keep their order.
   */
  const sendWith = async (
    send: Producer["send"] | Transaction["send"],
    target: Producer | Transaction,
    records: readonly OutRecord[],
  ): Promise<RecordPosition[]> => {
    const positions: RecordPosition[] = [];
    for (const chunk of chunksOf(records))
      positions.push(...(await sendChunk(send, target, chunk)));
    return positions;
  };

  /**
   * Why one produce call per partition: the client groups a call's records by the broker
   * that led their partitions when the call began, and retries each group against the
   * current leader of the group's FIRST partition only. Once a broker dies its partitions
   * get different new leaders, and a group holding two of them is sent for ever to a
   * broker that leads one: NOT_LEADER_OR_FOLLOWER on every attempt (an idempotent
   * producer without a delivery timeout never returns; seen with a SIGKILLed broker of
   * three, tests/integration/faults-broker-killed.test.ts). A call for one partition is
   * always retried against that partition's leader.
   */
  const sendChunk = async (
    send: Producer["send"] | Transaction["send"],
    target: Producer | Transaction,
    records: readonly OutRecord[],
  ): Promise<RecordPosition[]> => {
    if (records.length === 0) return [];
    const counts = await partitionCounts([...new Set(records.map((r) => r.topic))]);
    // We choose partitions ourselves (Java-compatible) so we know where each record lands.
    const partitions = records.map(
      (r) => r.partition ?? partitionFor(r.key, counts.get(r.topic) ?? 1),
    );
    // One produce call per partition (see above), the records in order within each.
    const byPartition = new Map<string, number[]>();
    records.forEach((r, i) => {
      const slot = `${r.topic}\u0000${partitions[i]}`;
      const indexes = byPartition.get(slot);
      if (indexes) indexes.push(i);
      else byPartition.set(slot, [i]);
    });
    const sendPartition = async (indexes: number[]) => {
      const result = await send.call(target as never, {
        messages: indexes.map((i) => {
          const r = records[i] as OutRecord;
          return {
            topic: r.topic,
            partition: partitions[i],
            key: r.key ?? undefined,
            value: r.value as Buffer,
            headers: encodeHeaders(r.headers),
            ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
          };
        }) as never,
      });
      return result.offsets ?? [];
    };
    const groups = [...byPartition.values()];
    const offsets: Array<{ topic: string; partition: number; offset: bigint | number }> = [];
    if (target instanceof Producer) {
      for (const found of await Promise.all(groups.map(sendPartition))) offsets.push(...found);
    } else {
      // A transaction's calls one after the other: the client merges concurrent
      // AddPartitionsToTxn requests into the first one, and the others' partitions would
      // be marked added without being sent.
      for (const group of groups) offsets.push(...(await sendPartition(group)));
    }
    const base = new Map<string, bigint>();
    for (const o of offsets) base.set(`${o.topic}\u0000${o.partition}`, BigInt(o.offset));
    const seen = new Map<string, bigint>();
    return records.map((r, i) => {
      const partition = partitions[i] as number;
      const slot = `${r.topic}\u0000${partition}`;
      const index = seen.get(slot) ?? 0n;
      seen.set(slot, index + 1n);
      const first = base.get(slot);
      if (first === undefined)
        throw new Error(`broker reported no offset for ${r.topic}/${partition}`);
      return { topic: r.topic, partition, offset: first + index };
    });
  };

  /**
   * "No broker answered" as a BrokerUnavailableError that says whether anything may have
   * been written; any other failure (a broker's error code) as it came.
   */
  const unavailable = async <T>(
    during: string,
    written: (error: unknown) => "no" | "unknown",
    work: () => Promise<T>,
    /** Whether a request every broker refused as "retry later" is unavailable too. */
    refusalsToo = false,
  ): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (refusalsToo && isRetriableRefusal(error))
        throw new BrokerUnavailableError("no", { cause: error, during, refused: true });
      if (!isBrokerUnreachable(error)) throw error;
      throw new BrokerUnavailableError(written(error), { cause: error, during });
    }
  };
  const ifReached = (error: unknown) => (mayHaveReachedBroker(error) ? "unknown" : "no");

  return {
    send: (records) => {
      const client = producer;
      const mark = wireRequestsMark(client.instanceId, apiKeys.produce);
      return unavailable(
        "the send",
        (error) => (mark.since() ? "unknown" : ifReached(error)),
        () => sendWith(client.send, client, records),
      );
    },

    async initTransactions() {
      if (!options.transactionalId) throw new Error("initTransactions() needs a transactionalId");
      const tx = await producer.beginTransaction();
      await tx.cancel();
    },

    async transaction() {
      if (!options.transactionalId) {
        throw new Error("transaction() needs a producer created with a transactionalId");
      }
      // The client this transaction runs on; replaced at most once for it.
      const client = producer;
      const replaceOnce = () => {
        if (producer === client) replaceClient();
      };
      /**
       * A transactional call nests a metadata lookup, with its own retries, in each of its
       * attempts: without a broker, counted retries take minutes. Past the delivery timeout
       * the client is closed instead (which ends its retries at once, so nothing is sent
       * later) and replaced. Only for a producer that may replace its client.
       */
      const bounded = async <T>(work: () => Promise<T>): Promise<T> => {
        const limit = options.deliveryTimeoutMs;
        if (limit === undefined || !options.restartAfterRefusedSend) return work();
        const timer = setTimeout(replaceOnce, limit);
        // The closed client should end the call at once; if a call outlives it anyway, its
        // caller (a command waiting for 202 or 503, and every command queued behind it)
        // must not wait for ever. Answered as the client answers a request with no reply,
        // so it reads as "may have been written" where that matters (a commit).
        let giveUp: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<never>((_, reject) => {
          giveUp = setTimeout(() => reject(new Error("Request timed out")), 2 * limit);
        });
        try {
          return await Promise.race([work(), gaveUp]);
        } finally {
          clearTimeout(timer);
          clearTimeout(giveUp);
        }
      };
      const tx = await unavailable(
        "the start of a transaction",
        () => "no",
        async () => {
          try {
            return await bounded(() => producer.beginTransaction());
          } catch (error) {
            // A start refused for any other reason than a newer owner of the id (a coordinator
            // that moved and still completes the last transaction, a client whose own state
            // says a transaction is open) may be refused again on every later command: a new
            // client's InitProducerId starts over.
            if (options.restartAfterRefusedSend && !isFenced(error)) replaceOnce();
            throw error;
          }
        },
        // Nothing is written before a transaction has started.
        true,
      );
      const groups = new Set<string>();
      let sendFailed = false;
      // A commit or an abort that no broker answered leaves the client's transaction open
      // for ever ("There is already an active transaction" on every later one): after a
      // Kafka outage the API could then write no transaction again.
      let endFailed = false;
      const ending = async (end: () => Promise<void>) => {
        try {
          await end();
        } catch (error) {
          if (options.restartAfterRefusedSend && !isFenced(error)) endFailed = true;
          throw error;
        }
      };
      // The broker has no transaction until something is added to it, and answers an
      // EndTxn for an empty one with INVALID_TXN_STATE: an empty one just ends locally.
      let touched = false;
      return {
        send: async (records) => {
          if (records.length > 0) touched = true;
          try {
            // Records of a transaction that is not committed are never read (read_committed):
            // a send that failed in any way wrote nothing that counts.
            return await unavailable(
              "a transaction's send",
              () => "no",
              () => bounded(() => sendWith(tx.send, tx, records)),
            );
          } catch (error) {
            // A fenced producer is a zombie: it must stop, not come back.
            if (options.restartAfterRefusedSend && !isFenced(error)) sendFailed = true;
            throw error;
          }
        },
        async sendOffsets(consumer, records) {
          if (records.length === 0) return;
          touched = true;
          if (!groups.has(consumer.groupId)) {
            await tx.addConsumer(consumer[rawConsumer] as never);
            groups.add(consumer.groupId);
          }
          // One TxnOffsetCommit per partition: the last record of each is enough.
          for (const r of lastPerPartition(records)) await tx.addOffset(rawMessage(r) as never);
        },
        async sendGroupOffsets(member, offsets, generation) {
          if (offsets.length === 0) return;
          touched = true;
          const identity = { ...member.transactionalIdentity(), ...generation };
          if (!groups.has(member.groupId)) {
            await tx.addConsumer(identity.consumer as never);
            groups.add(member.groupId);
          }
          for (const o of offsets) {
            // The client commits "offset + 1" of the message it is given.
            await tx.addOffset({
              topic: o.topic,
              partition: o.partition,
              offset: o.offset - 1n,
              metadata: {
                consumer: {
                  groupId: member.groupId,
                  generationId: identity.generationId,
                  memberId: identity.memberId,
                  coordinatorId: identity.coordinatorId,
                },
              },
            } as never);
          }
        },
        // The commit request may reach the coordinator and its answer be lost: then the
        // transaction may be committed.
        commit: () => {
          const mark = wireRequestsMark(client.instanceId, apiKeys.endTxn);
          return ending(() =>
            unavailable(
              "the commit",
              (error) => (mark.since() ? "unknown" : ifReached(error)),
              () => bounded(() => (touched ? tx.commit() : tx.cancel())),
            ),
          );
        },
        async abort() {
          try {
            await ending(() => bounded(() => (touched ? tx.abort() : tx.cancel())));
          } finally {
            // The new client's InitProducerId bumps the epoch: the coordinator completes a
            // commit it had begun, or aborts the open transaction.
            if (sendFailed || endFailed) replaceOnce();
          }
        },
      };
    },

    close: async () => {
      await producer.close();
      forgetWireRequests(producer.instanceId);
    },
  };
}
