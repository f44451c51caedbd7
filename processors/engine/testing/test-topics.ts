import { emptyHeaders } from "../processor/record.ts";
import type { Serde } from "../serde/api.ts";
import type { CollectedRecord } from "../topology/collector.ts";

/** A record as piped in or read back: key, value and event time. */
export interface TestRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
}

export interface InputTopicOptions {
  /** Time of the first record piped without a timestamp (default: the driver's wall clock). */
  startTimestamp?: number;
  /** How far the topic's clock moves after each record piped without a timestamp (default 1 ms). */
  autoAdvanceMs?: number;
}

/** What the topics need from the driver: piping bytes in and reading what was written. */
export interface DriverPort {
  pipe(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: ReadonlyMap<string, Buffer>,
  ): void;
  written(topic: string): readonly CollectedRecord[];
  resolveTopic(name: string): string;
}

/**
 * Writes into one input topic through its serdes.
 *
 *   const plays = driver.createInputTopic("plays", Serdes.string(), Serdes.json<Play>());
 *   plays.pipeInput("u1", play, 1_000);
 */
export class TestInputTopic<K, V> {
  private clock: number;
  private readonly autoAdvanceMs: number;

  /** @internal Made by TopologyTestDriver.createInputTopic. */
  constructor(
    private readonly driver: DriverPort,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestamp: number,
    options: InputTopicOptions,
  ) {
    this.clock = options.startTimestamp ?? startTimestamp;
    this.autoAdvanceMs = options.autoAdvanceMs ?? 1;
  }

  /** Pipes one record and processes it, and everything it causes, to completion. */
  pipeInput(key: K | null, value: V | null, timestamp?: number): void {
    let time = timestamp;
    if (time === undefined) {
      time = this.clock;
      this.clock += this.autoAdvanceMs;
    }
    const topic = this.driver.resolveTopic(this.topic);
    const keyBytes = key === null ? null : this.keySerde.serialize(key, topic);
    const valueBytes = value === null ? null : this.valueSerde.serialize(value, topic);
    this.driver.pipe(topic, keyBytes, valueBytes, time, emptyHeaders);
  }

  pipeRecordList(records: Iterable<{ key: K | null; value: V | null; timestamp?: number }>): void {
    for (const r of records) this.pipeInput(r.key, r.value, r.timestamp);
  }

  /** Moves the clock used for records piped without a timestamp. */
  advanceTime(ms: number): void {
    this.clock += ms;
  }
}

/**
 * Reads one output topic through its serdes; each record is read once, in write order.
 *
 *   const counts = driver.createOutputTopic("counts", Serdes.string(), Serdes.long());
 *   expect(counts.readKeyValuesToList()).toEqual([["t1", 1], ["t1", 2]]);
 */
export class TestOutputTopic<K, V> {
  private position = 0;

  /** @internal Made by TopologyTestDriver.createOutputTopic. */
  constructor(
    private readonly driver: DriverPort,
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  readRecord(): TestRecord<K | null, V | null> {
    const record = this.records()[this.position];
    if (!record) throw new Error(`no more records in ${this.topic}`);
    this.position += 1;
    return {
      key: this.keySerde.deserialize(record.key, record.topic),
      value: this.valueSerde.deserialize(record.value, record.topic),
      timestamp: record.timestamp,
    };
  }

  readKeyValue(): [K | null, V | null] {
    const { key, value } = this.readRecord();
    return [key, value];
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readRecordsToList(): Array<TestRecord<K | null, V | null>> {
    const out: Array<TestRecord<K | null, V | null>> = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): Array<[K | null, V | null]> {
    return this.readRecordsToList().map((r) => [r.key, r.value]);
  }

  readValuesToList(): Array<V | null> {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The latest value per key of everything unread (a table's final state). */
  readKeyValuesToMap(): Map<K | null, V | null> {
    return new Map(this.readKeyValuesToList());
  }

  isEmpty(): boolean {
    return this.position >= this.records().length;
  }

  getQueueSize(): number {
    return this.records().length - this.position;
  }

  private records(): readonly CollectedRecord[] {
    return this.driver.written(this.driver.resolveTopic(this.topic));
  }
}
