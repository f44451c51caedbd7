// @platformatic/kafka adapter: the raw client, used as its README and docs/transactions.md
// describe (send with message arrays, consume() streams, beginTransaction + addConsumer/addOffset).
// Exempt from the platform/kafka wrapping rule on purpose.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  stringSerializer,
} from "@platformatic/kafka";
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

// The package only exports dist/index.js, so locate the install from the resolved entry point.
const distDir = dirname(fileURLToPath(import.meta.resolve("@platformatic/kafka")));
const pkgDir = dirname(distDir);

type BufferMessage = Message<Buffer, Buffer, Buffer, Buffer>;

export class PlatformaticAdapter implements ClientAdapter {
  readonly name = "@platformatic/kafka";
  version = "?";
  readonly #bootstrap: string;
  #admin: Admin | undefined;
  readonly #groups: string[] = [];

  constructor(bootstrap: string) {
    this.#bootstrap = bootstrap;
  }

  #base(clientId: string) {
    return { clientId, bootstrapBrokers: [this.#bootstrap] };
  }

  async setup(w: Workload): Promise<void> {
    const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as {
      version: string;
    };
    this.version = pkg.version;
    this.#admin = new Admin(this.#base("bench-platformatic-admin"));
    await this.#admin.createTopics({
      topics: Object.values(topicNames(w)),
      partitions: w.partitions,
      replicas: 1,
    });
  }

  async produce(w: Workload): Promise<ProduceResult> {
    const topic = topicNames(w).perf;
    const value = makeValue(w);
    const messages: MessageToProduce<string, Buffer>[] = Array.from(
      { length: w.messages },
      (_, i) => ({ topic, key: keyFor(i, w), value }),
    );
    const batches = chunk(messages, w.batchSize);
    // idempotent: true makes the client force acks=all and one in-flight request per connection.
    const producer = new Producer<string, Buffer, Buffer, Buffer>({
      ...this.#base("bench-platformatic-producer"),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: { key: stringSerializer },
    });
    try {
      // InitProducerId before the clock starts, as kafkajs does in connect().
      await producer.initIdempotentProducer({});
      const start = performance.now();
      await runPool(batches, w.inFlight, (batch) => producer.send({ messages: batch }));
      const seconds = (performance.now() - start) / 1000;
      return { records: w.messages, bytes: w.messages * w.valueBytes, seconds };
    } finally {
      await producer.close();
    }
  }

  #group(w: Workload, suffix: string): string {
    const group = `${w.prefix}.${suffix}`;
    this.#groups.push(group);
    return group;
  }

  /**
   * Group consumer from the committed offset, falling back to the earliest one for a new group
   * (the equivalent of kafkajs fromBeginning). Resolves once `onMessage` says stop, stream open.
   */
  async #consumeUntil(
    topic: string,
    groupId: string,
    options: { isolationLevel: number; autocommit: boolean },
    onMessage: (message: BufferMessage) => boolean,
  ): Promise<{ consumer: Consumer; stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> }> {
    const consumer = new Consumer({ ...this.#base("bench-platformatic-consumer"), groupId });
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      isolationLevel: options.isolationLevel,
      autocommit: options.autocommit,
    });
    await new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("data", (message: BufferMessage) => {
        if (onMessage(message)) resolve();
      });
    });
    return { consumer, stream };
  }

  async #close(c: { consumer: Consumer; stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> }) {
    await c.stream.close();
    await c.consumer.close();
  }

  async consume(w: Workload): Promise<ConsumeResult> {
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    const start = performance.now();
    const running = await this.#consumeUntil(
      topicNames(w).perf,
      this.#group(w, "consume"),
      { isolationLevel: FetchIsolationLevels.READ_COMMITTED, autocommit: true },
      () => {
        if (count === 0) firstAt = performance.now();
        // The stream keeps emitting until closed; stop the clock at the Nth record.
        if (++count === w.messages) lastAt = performance.now();
        return count >= w.messages;
      },
    );
    await this.#close(running);
    return {
      records: w.messages,
      seconds: (lastAt - start) / 1000,
      firstRecordMs: firstAt - start,
    };
  }

  #producer(transactionalId?: string): Producer {
    return new Producer({
      ...this.#base("bench-platformatic-producer"),
      idempotent: true,
      ...(transactionalId ? { transactionalId } : {}),
    });
  }

  async transaction(w: Workload): Promise<TransactionResult> {
    const { txIn, txOut } = topicNames(w);
    const seeder = this.#producer();
    await seeder.send({
      messages: Array.from({ length: w.txMessages }, (_, i) => ({
        topic: txIn,
        key: Buffer.from(keyFor(i, w)),
        value: Buffer.from(`in-${i}`),
      })),
    });
    await seeder.close();

    // Consume-transform-produce: autocommit off, offsets go into the transaction instead.
    const group = this.#group(w, "tx-group");
    const consumed: BufferMessage[] = [];
    const input = await this.#consumeUntil(
      txIn,
      group,
      { isolationLevel: FetchIsolationLevels.READ_COMMITTED, autocommit: false },
      (message) => consumed.push(message) >= w.txMessages,
    );

    // One TxnOffsetCommit per message would be wasteful: the last message per partition suffices.
    const lastByPartition = new Map<number, BufferMessage>();
    for (const m of consumed) {
      const seen = lastByPartition.get(m.partition);
      if (!seen || m.offset > seen.offset) lastByPartition.set(m.partition, m);
    }
    const expected = new Map([...lastByPartition].map(([p, m]) => [p, m.offset + 1n]));

    const producer = this.#producer(`${w.prefix}.ctp`);
    try {
      const txn = await producer.beginTransaction();
      await txn.send({
        messages: consumed.map((m) => ({
          topic: txOut,
          key: m.key,
          value: Buffer.from(`${TRANSFORMED_PREFIX}${m.value.toString()}`),
        })),
      });
      // addOffset takes the consumed message, whose metadata carries the group generation/member.
      await txn.addConsumer(input.consumer);
      for (const message of lastByPartition.values()) await txn.addOffset(message);
      await txn.commit();

      const aborted = await producer.beginTransaction();
      await aborted.send({
        messages: Array.from({ length: w.abortedMessages }, (_, i) => ({
          topic: txOut,
          key: Buffer.from(keyFor(i, w)),
          value: Buffer.from(`${ABORTED_PREFIX}${i}`),
        })),
      });
      await aborted.abort();

      // A committed marker per partition after the abort lets verifiers stop deterministically.
      const sentinel = await producer.beginTransaction();
      await sentinel.send({
        messages: Array.from({ length: w.partitions }, (_, partition) => ({
          topic: txOut,
          partition,
          value: Buffer.from(SENTINEL),
        })),
      });
      await sentinel.commit();
    } finally {
      await producer.close();
      await this.#close(input);
    }

    const offsetsAdvanced = await this.#committedOffsets(group, txIn, expected);
    const committed = await this.#readOutput(w, txOut, FetchIsolationLevels.READ_COMMITTED);
    const uncommitted = await this.#readOutput(w, txOut, FetchIsolationLevels.READ_UNCOMMITTED);
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

  async #committedOffsets(
    groupId: string,
    topic: string,
    expected: Map<number, bigint>,
  ): Promise<{ ok: boolean; text: string }> {
    // requireStable makes the broker wait for pending transactional offsets instead of polling.
    const [group] = await (this.#admin as Admin).listConsumerGroupOffsets({
      groups: [groupId],
      requireStable: true,
    });
    const partitions = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
    const got = new Map(partitions.map((p) => [p.partitionIndex, p.committedOffset]));
    const text = [...expected].map(([p, o]) => `p${p}=${got.get(p) ?? "none"}/${o}`).join(" ");
    return { ok: [...expected].every(([p, o]) => got.get(p) === o), text };
  }

  async #readOutput(w: Workload, topic: string, isolationLevel: number): Promise<OutputTally> {
    const tally = newTally();
    const readUncommitted = isolationLevel === FetchIsolationLevels.READ_UNCOMMITTED;
    const running = await withTimeout(
      this.#consumeUntil(
        topic,
        this.#group(w, readUncommitted ? "verify-ru" : "verify-rc"),
        { isolationLevel, autocommit: false },
        (m) => {
          tallyRecord(tally, m.partition, m.value?.toString() ?? "");
          return tally.sentinelPartitions.size === w.partitions;
        },
      ),
      30_000,
      `platformatic verify ${readUncommitted ? "read_uncommitted" : "read_committed"}`,
    );
    await this.#close(running);
    return tally;
  }

  async fencing(w: Workload): Promise<FencingResult> {
    const { fence } = topicNames(w);
    const transactionalId = `${w.prefix}.fence-txid`;
    const zombie = this.#producer(transactionalId);
    const zombieTxn = await zombie.beginTransaction();
    await zombieTxn.send({ messages: [{ topic: fence, value: Buffer.from("before") }] });

    // beginTransaction() runs InitProducerId for a new producer, which should bump the epoch.
    // 2.12.1 sends producer_id=0/producer_epoch=0 instead of -1/-1 for a fresh producer
    // (dist/clients/producer/producer.js, #initIdempotentProducer), so the coordinator answers
    // PRODUCER_FENCED whenever the transactional id already has state - i.e. on every restart.
    // Record that, then retry with the explicit "no previous producer" values.
    let successor = this.#producer(transactionalId);
    let note = "";
    let successorTxn: Awaited<ReturnType<Producer["beginTransaction"]>>;
    try {
      successorTxn = await successor.beginTransaction();
    } catch (error) {
      note =
        `successor's own beginTransaction() failed: ${describeError(error)}; ` +
        "retried on a new Producer with beginTransaction({ producerId: -1n, producerEpoch: -1 })";
      // The failed producer keeps its half-made transaction, so start over with a new instance.
      await successor.close(true);
      successor = this.#producer(transactionalId);
      successorTxn = await successor.beginTransaction({ producerId: -1n, producerEpoch: -1 });
    }

    let failedAt = "send";
    try {
      await withTimeout(
        zombieTxn.send({ messages: [{ topic: fence, value: Buffer.from("after") }] }),
        20_000,
        "zombie send",
      );
      failedAt = "commit";
      await withTimeout(zombieTxn.commit(), 20_000, "zombie commit");
      return { fenced: false, failedAt: "-", error: "zombie send and commit both succeeded", note };
    } catch (error) {
      const text = describeError(error);
      return { fenced: isFencingError(text), failedAt, error: text, note };
    } finally {
      // Aborting the successor's empty transaction is answered INVALID_TXN_STATE; harmless here.
      await withTimeout(successorTxn.abort(), 10_000, "successor abort").catch(() => {});
      await withTimeout(successor.close(true), 10_000, "successor close").catch(() => {});
      await withTimeout(zombie.close(true), 10_000, "zombie close").catch(() => {});
    }
  }

  async kip447(brokerApis: BrokerApis): Promise<Kip447Finding> {
    const apiDir = join(distDir, "apis/producer");
    const versions = (await readdir(apiDir))
      .map((f) => /^txn-offset-commit-v(\d+)\.js$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const clientMax = Math.max(...versions);
    // Base[kGetApi] (dist/clients/base/base.js) walks down from the broker max to the first
    // version it implements.
    const range = brokerApis.get(TXN_OFFSET_COMMIT_KEY) ?? { min: 0, max: -1 };
    const negotiated = Math.max(...versions.filter((v) => v >= range.min && v <= range.max));

    const requestFile = join(apiDir, `txn-offset-commit-v${negotiated}.js`);
    const request = await readFile(requestFile, "utf8");
    const encodes = {
      generation: /appendInt32\(generationId\)/.test(request),
      member: /appendString\(memberId/.test(request),
      instance: /appendString\(groupInstanceId/.test(request),
    };

    // Which values the producer actually passes to that encoder.
    const producerFile = join(distDir, "clients/producer/producer.js");
    const producer = await readFile(producerFile, "utf8");
    const call =
      /api\(connection, this\.#transaction\.id, groupId, [^,]+, [^,]+, (\w+), (\w+), (\w+),/;
    const [, generationArg = "?", memberArg = "?", instanceArg = "?"] = call.exec(producer) ?? [];
    const source = /const \{ groupId, generationId, memberId, coordinatorId \} = message\.metadata/;

    const full = encodes.generation && encodes.member && generationArg === "generationId";
    const instanceNull = instanceArg === "null";
    return {
      summary: full
        ? `yes (gen+member, TxnOffsetCommit v${negotiated}${instanceNull ? "; group.instance.id sent as null" : ""})`
        : `no (TxnOffsetCommit v${negotiated})`,
      clientMaxVersion: clientMax,
      negotiatedVersion: negotiated,
      evidence: [
        `${rel(apiDir)}/txn-offset-commit-v{${versions.join(",")}}.js: implemented versions (broker offers v${range.min}-v${range.max}; KIP-447 fields from v${KIP447_MIN_TXN_OFFSET_COMMIT})`,
        `${rel(requestFile)}: encodes generation_id=${encodes.generation} member_id=${encodes.member} group_instance_id=${encodes.instance}`,
        `${rel(producerFile)}:${lineOf(producer, source)}: generationId/memberId taken from message.metadata.consumer (the consumer's current group membership)`,
        `${rel(producerFile)}:${lineOf(producer, call)}: TxnOffsetCommit called with generationId=${generationArg}, memberId=${memberArg}, groupInstanceId=${instanceArg}`,
      ],
    };
  }

  async protocolGaps(brokerApis: BrokerApis): Promise<string[]> {
    // Each dist/apis/**/name-vN.js declares createAPI(apiKey, version, ...); group them by key.
    const implemented = new Map<number, { name: string; versions: number[] }>();
    const apisDir = join(distDir, "apis");
    for (const area of await readdir(apisDir, { withFileTypes: true })) {
      if (!area.isDirectory()) continue;
      for (const file of await readdir(join(apisDir, area.name))) {
        const match = /^(.+)-v(\d+)\.js$/.exec(file);
        if (!match) continue;
        const text = await readFile(join(apisDir, area.name, file), "utf8");
        const key = /createAPI\((\d+),/.exec(text)?.[1];
        if (key === undefined) continue;
        const entry = implemented.get(Number(key)) ?? { name: match[1] ?? file, versions: [] };
        entry.versions.push(Number(match[2]));
        implemented.set(Number(key), entry);
      }
    }
    const gaps: string[] = [];
    for (const [key, { name, versions }] of implemented) {
      const range = brokerApis.get(key);
      if (range && !versions.some((v) => v >= range.min && v <= range.max)) {
        gaps.push(`${name}: implements v${versions.join(",")}, broker v${range.min}-v${range.max}`);
      }
    }
    return gaps;
  }

  async teardown(w: Workload): Promise<void> {
    const admin = this.#admin;
    if (!admin) return;
    try {
      await admin.deleteGroups({ groups: this.#groups }).catch(() => {});
      await admin.deleteTopics({ topics: Object.values(topicNames(w)) });
    } finally {
      await admin.close();
    }
  }
}
