/**
 * A derived record's headers describe that record (issue 12): its own event type and
 * event id, the input event as its cause. Read from what reaches the next processor,
 * since the test driver's output topics give key, value and time only; the broker test
 * (tests/integration/topologies-plays.test.ts) reads them from a real derived topic.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  Serdes,
  type StreamRecord,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { toDerived } from "../../../processors/topologies/common.ts";
import { TrackPlayCount, TrackPlayed } from "../../../schemas/generated/index.ts";

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([TrackPlayCount]);
});
afterEach(() => driver?.close());

const text = (headers: ReadonlyMap<string, Buffer>) =>
  Object.fromEntries([...headers].map(([k, v]) => [k, v.toString()]));

/** Counts per key, with the producer layer's headers on every input, as derived records. */
function start(inputHeaders: Record<string, string>) {
  const builder = new StreamsBuilder();
  const seen: Array<StreamRecord<string, TrackPlayCount | null>> = [];
  const counts = builder
    .stream<string, string>("in", { keySerde: Serdes.string(), valueSerde: Serdes.string() })
    .process<string, string>(() => {
      let forward: (r: StreamRecord<string, string>) => void;
      return {
        init: (context) => {
          forward = (r) => context.forward(r);
        },
        process: (r) =>
          forward({
            ...r,
            headers: new Map(Object.entries(inputHeaders).map(([k, v]) => [k, Buffer.from(v)])),
          }),
      };
    })
    .groupByKey({ name: "by-key", keySerde: Serdes.string(), valueSerde: Serdes.string() })
    .count({ name: "counts" })
    .toStream();
  toDerived(
    counts,
    TrackPlayCount,
    (trackId: string, plays: number) => ({
      trackId,
      plays,
      completedPlays: 0,
      listenedMs: 0,
      lastPlayedAt: null,
    }),
    "records",
  ).process<string, never>(() => ({ process: (r) => void seen.push(r) }), [], { name: "seen" });
  driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic("in", Serdes.string(), Serdes.string());
  return { input, seen };
}

describe("derived records' headers", () => {
  it("name the derived type and its own event id; the input event is the cause", () => {
    const inputId = randomUUID();
    const { input, seen } = start({
      "event-type": TrackPlayed.name,
      "event-id": inputId,
      "correlation-id": "request-7",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    const trackId = randomUUID();
    input.pipeInput(trackId, "play", 1_000);
    const [record] = seen;
    expect(record?.value?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(text(record?.headers ?? new Map())).toEqual({
      "event-type": TrackPlayCount.name,
      "event-id": record?.value?.eventId,
      "causation-id": inputId,
      "correlation-id": "request-7",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
  });

  it("carry no event id of the input when it had none, and serialize as the producer's do", () => {
    const { input, seen } = start({});
    input.pipeInput(randomUUID(), "play", 1_000);
    const headers = seen[0]?.headers ?? new Map();
    expect([...headers.keys()].sort()).toEqual(["event-id", "event-type"]);
    expect(headers.get("event-type")).toEqual(Buffer.from("vobemusic.listening.TrackPlayCount"));
    // The value still decodes as the type the header names.
    const bytes = serdes.derived(TrackPlayCount).serialize(seen[0]?.value as TrackPlayCount, "t");
    expect(serdes.derived(TrackPlayCount).deserialize(bytes as Buffer, "t")?.plays).toBe(1);
  });
});
