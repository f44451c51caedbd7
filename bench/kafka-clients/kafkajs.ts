// kafkajs adapter: the raw client, used the way its README/types describe (sendBatch, eachBatch,
// producer.transaction() + sendOffsets). Exempt from the platform/kafka wrapping rule on purpose.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Admin, Consumer, EachBatchPayload, Message, Producer } from "kafkajs";
import kafkajs from "kafkajs";
import {
  ABORTED_PREFIX,
  type BrokerApis,
  type ClientAdapter,
  type ConsumeResult,
  chunk,
  describeError,
  type FencingResult,
  isFencingError,
  KIP447_MIN_TXN_OFFSET_COMMIT,
  type Kip447Finding,
  keyFor,
  lineOf,
  makeValue,
  newTally,
  type OutputTally,
  type ProduceResult,
  rel,
  runPool,
  SENTINEL,
  TRANSFORMED_PREFIX,
  type TransactionResult,
  TXN_OFFSET_COMMIT_KEY,
  tallyRecord,
  topicNames,
  type Workload,
  withTimeout,
} from "./common.ts";

// kafkajs is CommonJS; the default import is its module.exports and works under tsx and node.
const { Kafka, logLevel, Partitioners } = kafkajs;
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("kafkajs/package.json"));

type KafkaClient = InstanceType<typeof Kafka>;

export class KafkajsAdapter implements ClientAdapter {
  readonly name = "kafkajs";
  readonly version: string = (require("kafkajs/package.json") as { version: string }).version;
  /** Errors kafkajs only logs (it retries internally); surfaced in the report. */
  readonly logged: string[] = [];
  readonly #kafka: KafkaClient;
  #admin: Admin | undefined;
  readonly #groups: string[] = [];

  constructor(bootstrap: string) {
    this.#kafka = new Kafka({
      clientId: "bench-kafkajs",
      brokers: [bootstrap],
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => {
        const { message, error } = entry.log as { message: string; error?: string };
        this.logged.push(`${entry.namespace}: ${message}${error ? ` (${error})` : ""}`);
      },
    });
  }

  async setup(w: Workload): Promise<void> {
    this.#admin = this.#kafka.admin();
    await this.#admin.connect();
    await this.#admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topicNames(w)).map((topic) => ({
        topic,
        numPartitions: w.partitions,
        replicationFactor: 1,
      })),
    });
  }

  #producer(transactionalId?: string): Producer {
    // maxInFlightRequests: 1 is what the kafkajs EOS docs prescribe; kafkajs also serialises
    // idempotent produce requests per broker with a lock, so a higher value would not help.
    return this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(transactionalId ? { transactionalId } : {}),
    });
  }

  async produce(w: Workload): Promise<ProduceResult> {
    const topic = topicNames(w).perf;
    const value = makeValue(w);
    const messages: Message[] = Array.from({ length: w.messages }, (_, i) => ({
      key: keyFor(i, w),
      value,
    }));
    const batches = chunk(messages, w.batchSize);
    const producer = this.#producer();
    await producer.connect();
    try {
      const start = performance.now();
      await runPool(batches, w.inFlight, (batch) =>
        producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: batch }] }),
      );
      const seconds = (performance.now() - start) / 1000;
      return { records: w.messages, bytes: w.messages * w.valueBytes, seconds };
    } finally {
      await producer.disconnect();
    }
  }

  #group(w: Workload, suffix: string): string {
    const group = `${w.prefix}.${suffix}`;
    this.#groups.push(group);
    return group;
  }

  /** Runs a group consumer from the beginning until `until` says stop; resolves with the consumer still running. */
  async #consumeUntil(
    topic: string,
    groupId: string,
    options: { readUncommitted: boolean; autoCommit: boolean },
    onBatch: (batch: EachBatchPayload["batch"]) => boolean,
  ): Promise<Consumer> {
    const consumer = this.#kafka.consumer({ groupId, readUncommitted: options.readUncommitted });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      consumer
        .run({
          autoCommit: options.autoCommit,
          eachBatch: async ({ batch }) => {
            if (onBatch(batch)) resolve();
          },
        })
        .catch(reject);
    });
    return consumer;
  }

  async consume(w: Workload): Promise<ConsumeResult> {
    let count = 0;
    let firstAt = 0;
    const start = performance.now();
    const consumer = await this.#consumeUntil(
      topicNames(w).perf,
      this.#group(w, "consume"),
      { readUncommitted: false, autoCommit: true },
      (batch) => {
        if (count === 0 && batch.messages.length > 0) firstAt = performance.now();
        count += batch.messages.length;
        return count >= w.messages;
      },
    );
    const seconds = (performance.now() - start) / 1000;
    await consumer.disconnect();
    return { records: count, seconds, firstRecordMs: firstAt - start };
  }

  async transaction(w: Workload): Promise<TransactionResult> {
    const { txIn, txOut } = topicNames(w);
    const seeder = this.#producer();
    await seeder.connect();
    await seeder.send({
      topic: txIn,
      acks: -1,
      messages: Array.from({ length: w.txMessages }, (_, i) => ({
        key: keyFor(i, w),
        value: `in-${i}`,
      })),
    });
    await seeder.disconnect();

    // Consume-transform-produce: offsets go into the transaction, never through the consumer.
    const group = this.#group(w, "tx-group");
    const consumed: { partition: number; offset: string; key: Buffer | null; value: string }[] = [];
    const consumer = await this.#consumeUntil(
      txIn,
      group,
      { readUncommitted: false, autoCommit: false },
      (batch) => {
        for (const m of batch.messages) {
          consumed.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value?.toString() ?? "",
          });
        }
        return consumed.length >= w.txMessages;
      },
    );

    const nextOffsets = new Map<number, bigint>();
    for (const m of consumed) {
      const next = BigInt(m.offset) + 1n;
      if (next > (nextOffsets.get(m.partition) ?? 0n)) nextOffsets.set(m.partition, next);
    }

    const producer = this.#producer(`${w.prefix}.ctp`);
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({
        topic: txOut,
        acks: -1,
        messages: consumed.map((m) => ({ key: m.key, value: `${TRANSFORMED_PREFIX}${m.value}` })),
      });
      // kafkajs' API only takes the group id here, no consumer generation/member (see kip447()).
      await txn.sendOffsets({
        consumerGroupId: group,
        topics: [
          {
            topic: txIn,
            partitions: [...nextOffsets].map(([partition, offset]) => ({
              partition,
              offset: offset.toString(),
            })),
          },
        ],
      });
      await txn.commit();

      const aborted = await producer.transaction();
      await aborted.send({
        topic: txOut,
        acks: -1,
        messages: Array.from({ length: w.abortedMessages }, (_, i) => ({
          key: keyFor(i, w),
          value: `${ABORTED_PREFIX}${i}`,
        })),
      });
      await aborted.abort();

      // A committed marker per partition after the abort lets verifiers stop deterministically.
      const sentinel = await producer.transaction();
      await sentinel.send({
        topic: txOut,
        acks: -1,
        messages: Array.from({ length: w.partitions }, (_, partition) => ({
          partition,
          value: SENTINEL,
        })),
      });
      await sentinel.commit();
    } finally {
      await producer.disconnect();
      await consumer.disconnect();
    }

    const offsetsAdvanced = await this.#waitForCommittedOffsets(group, txIn, nextOffsets);
    const committed = await this.#readOutput(w, txOut, false);
    const uncommitted = await this.#readOutput(w, txOut, true);
    return {
      outputsVisible: committed.transformed === w.txMessages,
      offsetsAdvanced: offsetsAdvanced.ok,
      abortedInvisible: committed.aborted === 0,
      abortedWrittenUncommitted: uncommitted.aborted === w.abortedMessages,
      detail:
        `read_committed: ${committed.transformed}/${w.txMessages} transformed, ${committed.aborted} aborted; ` +
        `read_uncommitted: ${uncommitted.aborted}/${w.abortedMessages} aborted; offsets ${offsetsAdvanced.text}`,
    };
  }

  /** Transactional offsets are materialised after the commit markers, so poll briefly. */
  async #waitForCommittedOffsets(
    groupId: string,
    topic: string,
    expected: Map<number, bigint>,
  ): Promise<{ ok: boolean; text: string }> {
    const admin = this.#admin as Admin;
    let text = "";
    for (let attempt = 0; attempt < 20; attempt++) {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const got = new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      text = [...expected].map(([p, o]) => `p${p}=${got.get(p) ?? "none"}/${o}`).join(" ");
      if ([...expected].every(([p, o]) => got.get(p) === o)) return { ok: true, text };
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ok: false, text };
  }

  async #readOutput(w: Workload, topic: string, readUncommitted: boolean): Promise<OutputTally> {
    const tally = newTally();
    const consumer = await withTimeout(
      this.#consumeUntil(
        topic,
        this.#group(w, readUncommitted ? "verify-ru" : "verify-rc"),
        { readUncommitted, autoCommit: false },
        (batch) => {
          for (const m of batch.messages)
            tallyRecord(tally, batch.partition, m.value?.toString() ?? "");
          return tally.sentinelPartitions.size === w.partitions;
        },
      ),
      30_000,
      `kafkajs verify ${readUncommitted ? "read_uncommitted" : "read_committed"}`,
    );
    await consumer.disconnect();
    return tally;
  }

  async fencing(w: Workload): Promise<FencingResult> {
    const { fence } = topicNames(w);
    const transactionalId = `${w.prefix}.fence-txid`;
    const zombie = this.#producer(transactionalId);
    await zombie.connect();
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic: fence, acks: -1, messages: [{ key: "k", value: "before" }] });

    // connect() only initialises kafkajs' non-transactional producer id; transaction() is what
    // sends InitProducerId with the transactional id and so bumps the epoch.
    const successor = this.#producer(transactionalId);
    await successor.connect();
    const successorTxn = await successor.transaction();

    let failedAt = "send";
    try {
      await withTimeout(
        zombieTxn.send({ topic: fence, acks: -1, messages: [{ key: "k", value: "after" }] }),
        20_000,
        "zombie send",
      );
      failedAt = "commit";
      await withTimeout(zombieTxn.commit(), 20_000, "zombie commit");
      return { fenced: false, failedAt: "-", error: "zombie send and commit both succeeded" };
    } catch (error) {
      const text = describeError(error);
      return { fenced: isFencingError(text), failedAt, error: text };
    } finally {
      await withTimeout(successorTxn.abort(), 10_000, "successor abort").catch(() => {});
      await withTimeout(successor.disconnect(), 10_000, "successor disconnect").catch(() => {});
      await withTimeout(zombie.disconnect(), 10_000, "zombie disconnect").catch(() => {});
    }
  }

  async kip447(brokerApis: BrokerApis): Promise<Kip447Finding> {
    const dir = join(pkgDir, "src/protocol/requests/txnOffsetCommit");
    const versions = (await readdir(dir))
      .filter((d) => /^v\d+$/.test(d))
      .map((d) => Number(d.slice(1)))
      .sort((a, b) => a - b);
    const clientMax = Math.max(...versions);
    // kafkajs' lookup (src/protocol/requests/index.js) takes min(implemented max, broker max).
    const brokerMax = brokerApis.get(TXN_OFFSET_COMMIT_KEY)?.max ?? -1;
    const negotiated = Math.min(clientMax, brokerMax);

    const requestFile = join(dir, `v${negotiated}`, "request.js");
    const request = await readFile(requestFile, "utf8");
    const carriesGeneration = /generation_?id/i.test(request);
    const brokerFile = join(pkgDir, "src/broker/index.js");
    const broker = await readFile(brokerFile, "utf8");
    const signature = /async txnOffsetCommit\(\{([^}]*)\}\)/.exec(broker)?.[1]?.trim() ?? "?";
    const typesFile = join(pkgDir, "types/index.d.ts");
    const types = await readFile(typesFile, "utf8");
    const sendOffsets = /sendOffsets\(([^)]*)\)/.exec(types)?.[1]?.trim() ?? "?";

    return {
      summary: carriesGeneration
        ? "yes"
        : `no (TxnOffsetCommit v${negotiated}, KIP-447 needs v${KIP447_MIN_TXN_OFFSET_COMMIT}+)`,
      clientMaxVersion: clientMax,
      negotiatedVersion: negotiated,
      evidence: [
        `${rel(dir)}/: implemented versions ${versions.map((v) => `v${v}`).join(", ")} (broker offers v0-v${brokerMax})`,
        `${rel(requestFile)}: request fields transactional_id group_id producer_id producer_epoch [topics]; ` +
          `generation_id/member_id/group_instance_id ${carriesGeneration ? "present" : "absent"}`,
        `${rel(brokerFile)}:${lineOf(broker, /async txnOffsetCommit\(/)}: txnOffsetCommit({ ${signature} })`,
        `${rel(typesFile)}:${lineOf(types, /sendOffsets\(/)}: Transaction.sendOffsets(${sendOffsets}) - no consumer group metadata in the API`,
      ],
    };
  }

  async protocolGaps(brokerApis: BrokerApis): Promise<string[]> {
    const { requests } = require("kafkajs/src/protocol/requests") as {
      requests: Record<string, { versions: string[] }>;
    };
    const apiKeys = require("kafkajs/src/protocol/requests/apiKeys") as Record<string, number>;
    const gaps: string[] = [];
    for (const [name, definition] of Object.entries(requests)) {
      const key = apiKeys[name];
      const range = key === undefined ? undefined : brokerApis.get(key);
      if (definition.versions.length === 0 || !range) continue;
      const max = Math.max(...definition.versions.map(Number));
      // kafkajs never checks the broker's minimum version before sending.
      if (max < range.min) gaps.push(`${name}: kafkajs max v${max} < broker min v${range.min}`);
    }
    return gaps;
  }

  async teardown(w: Workload): Promise<void> {
    const admin = this.#admin;
    if (!admin) return;
    try {
      await admin.deleteGroups(this.#groups).catch(() => {});
      await admin.deleteTopics({ topics: Object.values(topicNames(w)) });
    } finally {
      await admin.disconnect();
    }
  }
}
