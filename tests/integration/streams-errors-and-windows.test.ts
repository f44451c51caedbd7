import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer, type OutRecord } from "../../platform/kafka/index.ts";
import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  untilWindowCloses,
  windowedSerde,
} from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { eventually, readAll } from "../support/streams.ts";

interface Play {
  track: string;
  ms: number;
}

describe("the runtime's error handlers and windows, on the broker", () => {
  const admin = testAdmin();
  const created: string[] = [];
  const apps: string[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-errors-"));
  const topic = async (prefix: string) => {
    const name = uniqueName(prefix);
    created.push(name);
    await admin.createTopics([{ name, partitions: 2 }]);
    return name;
  };
  const appId = (prefix: string) => {
    const id = uniqueName(prefix).replaceAll(".", "-");
    apps.push(id);
    return id;
  };
  beforeAll(() => {});
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([
      ...created,
      ...topics.filter((t) => apps.some((a) => t.startsWith(a))),
    ]);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("sends poison records to the dead-letter topic with the error and origin, and carries on", async () => {
    const input = await topic("poison-in");
    const output = await topic("poison-out");
    const applicationId = appId("poison-app");
    const builder = new StreamsBuilder();
    builder
      .stream<string, Play>(input, { keySerde: Serdes.string(), valueSerde: Serdes.json<Play>() })
      .mapValues((play) => {
        if (play.ms < 0) throw new Error(`negative duration ${play.ms}`);
        return play.ms;
      })
      .to(output, { keySerde: Serdes.string(), valueSerde: Serdes.long() });
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      stateDir,
      instanceId: "one",
      handlers: { deserialization: "dead-letter", processing: "dead-letter", production: "fail" },
    });
    await app.start();
    const producer = createProducer({ brokers: brokers(), clientId: "input" });
    const record = (key: string, value: string): OutRecord => ({
      topic: input,
      key: Buffer.from(key),
      value: Buffer.from(value),
    });
    await producer.send([
      record("a", JSON.stringify({ track: "t1", ms: 1000 })),
      record("a", "{not json"),
      record("a", JSON.stringify({ track: "t2", ms: -5 })),
      record("a", JSON.stringify({ track: "t3", ms: 3000 })),
    ]);
    await producer.close();

    const dlq = `${applicationId}-dlq`;
    const dead = await eventually(
      () => readAll(dlq),
      (r) => r.length >= 2,
      30_000,
    );
    const outputs = await eventually(
      () => readAll(output),
      (r) => r.length >= 2,
      30_000,
    );
    await app.stop();

    expect(outputs.map((r) => Number(r.value?.readBigInt64BE(0)))).toEqual([1000, 3000]);
    expect(dead).toHaveLength(2);
    const header = (i: number, name: string) => dead[i]?.headers.get(name)?.toString();
    expect(dead[0]?.value?.toString()).toBe("{not json");
    expect(header(0, "vobe.error.stage")).toBe("deserialize");
    expect(header(0, "vobe.origin.topic")).toBe(input);
    expect(header(0, "vobe.origin.offset")).toBe("1");
    expect(header(1, "vobe.error.stage")).toBe("process");
    expect(header(1, "vobe.error.message")).toBe("negative duration -5");
    const metrics = await app.metrics.registry.getSingleMetricAsString(
      "vobe_stream_dead_letter_records_total",
    );
    expect(metrics).toMatch(/stage="deserialize"[^\n]* 1/);
    expect(metrics).toMatch(/stage="process"[^\n]* 1/);
  });

  it("stops, naming the record, when the handler says fail", async () => {
    const input = await topic("fail-in");
    const output = await topic("fail-out");
    const builder = new StreamsBuilder();
    builder
      .stream<string, Play>(input, { keySerde: Serdes.string(), valueSerde: Serdes.json<Play>() })
      .to(output, { keySerde: Serdes.string(), valueSerde: Serdes.json<Play>() });
    const app = new StreamsApp(builder.build(), {
      applicationId: appId("fail-app"),
      brokers: brokers(),
      stateDir,
      instanceId: "one",
    });
    const stopped = new Promise<Error | undefined>((resolve) =>
      app.onStateChange((state, error) => state === "error" && resolve(error)),
    );
    await app.start();
    const producer = createProducer({ brokers: brokers(), clientId: "input" });
    await producer.send([{ topic: input, key: Buffer.from("k"), value: Buffer.from("garbage") }]);
    await producer.close();
    const error = await stopped;
    expect(error?.message).toMatch(
      new RegExp(`deserialize failed in .* \\(${input.replaceAll(".", "\\.")}/\\d@0\\)`),
    );
    await app.stop();
    expect(await readAll(output)).toHaveLength(0);
  });

  it("counts late records within grace, drops (and counts) those after it, and emits each window once", async () => {
    const input = await topic("win-in");
    const output = await topic("win-out");
    const applicationId = appId("win-app");
    const builder = new StreamsBuilder();
    builder
      .stream<string, string>(input, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSize(10_000).grace(2_000))
      .count({ name: "per-10s" })
      .suppress(untilWindowCloses())
      .toStream()
      .to(output, { keySerde: windowedSerde(Serdes.string()), valueSerde: Serdes.long() });
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      stateDir,
      instanceId: "one",
    });
    await app.start();
    const producer = createProducer({ brokers: brokers(), clientId: "input" });
    const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 10_000);
    const at = (offsetMs: number) => ({
      topic: input,
      key: Buffer.from("track"),
      value: Buffer.from("p"),
      timestamp: BigInt(t0 + offsetMs),
    });
    // Window [0,10s): 3 on time + 1 late within grace (arrives at stream time 11s) = 4;
    // one more arrives at stream time 13s, after grace (10s + 2s): dropped.
    // Window [10s,20s): 11s, 13s, 15s = 3. The record at 35s closes both windows.
    await producer.send([
      at(1_000),
      at(5_000),
      at(9_000),
      at(11_000),
      at(3_000),
      at(13_000),
      at(7_000),
      at(15_000),
      at(35_000),
    ]);
    await producer.close();
    const windows = await eventually(
      () => readAll(output),
      (r) => r.length >= 2,
      30_000,
    );
    await app.stop();
    const keySerde = windowedSerde(Serdes.string());
    const decoded = windows.map((r) => ({
      start: (keySerde.deserialize(r.key, output)?.start ?? Number.NaN) - t0,
      count: Number(r.value?.readBigInt64BE(0)),
    }));
    // The windowed key (key + start + end) decides the partition: order by window start.
    expect(decoded.sort((a, b) => a.start - b.start)).toEqual([
      { start: 0, count: 4 },
      { start: 10_000, count: 3 },
    ]);
    const dropped = await app.metrics.registry.getSingleMetricAsString(
      "vobe_stream_task_dropped_records_total",
    );
    expect(dropped).toMatch(/reason="late"[^\n]* 1/);
  });
});
