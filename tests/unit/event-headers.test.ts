/**
 * The headers docs/events.md documents are exactly the headers the platform writes (issue
 * 12): the documentation's names (schemas/event-headers.ts) against each writer's own
 * names, and against the headers the writers really put on records. A header added to a
 * writer without its documentation, or documented and never written, fails here.
 * tests/integration/api-bad-input.test.ts reads an API command's record back from the
 * broker and checks its headers against the same documentation.
 */

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  Serdes,
  type StreamRecord,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../processors/engine/index.ts";
import { derivedHeaders, toDerived } from "../../processors/topologies/common.ts";
import { headersFor } from "../../producers/envelope.ts";
import { eventHeaders } from "../../producers/index.ts";
import {
  engineDeadLetterHeaderDocs,
  eventHeaderDocs,
  type HeaderDoc,
  sinkDeadLetterHeaderDocs,
} from "../../schemas/event-headers.ts";
import { renderEventsDoc } from "../../schemas/events-doc.ts";
import { TrackPlayCount, TrackPlayed } from "../../schemas/generated/index.ts";
import { deadLetter, dlqHeaders } from "../../sinks/engine/dlq.ts";

const names = (docs: readonly HeaderDoc[]) => docs.map((d) => d.name).sort();
const sorted = (keys: Iterable<string>) => [...keys].sort();

const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
/** An input event with every header the producer layer can write. */
const inputHeaders = () =>
  headersFor(TrackPlayed.name, randomUUID(), {
    actor: { userId: null, role: "system" },
    correlationId: "request-1",
    causationId: randomUUID(),
    traceparent,
  });

describe("event headers: documented = written", () => {
  it("the documented names are the producer layer's names", () => {
    expect(names(eventHeaderDocs)).toEqual(sorted(Object.values(eventHeaders)));
  });

  it("the producer layer writes each of them, and nothing else", () => {
    expect(sorted(inputHeaders().keys())).toEqual(names(eventHeaderDocs));
    // The least it writes: type, id and a correlation id (its own id without a request).
    const id = randomUUID();
    const least = headersFor(TrackPlayed.name, id, { actor: { userId: null, role: "system" } });
    expect(sorted(least.keys())).toEqual(["correlation-id", "event-id", "event-type"]);
    expect(least.get("correlation-id")?.toString()).toBe(id);
  });

  it("a derived record carries documented headers only, its own type and id, the input as its cause", () => {
    const input = inputHeaders();
    const id = randomUUID();
    const derived = derivedHeaders(TrackPlayCount.name, id, input);
    expect(sorted(derived.keys())).toEqual(names(eventHeaderDocs));
    expect(derived.get("event-type")?.toString()).toBe(TrackPlayCount.name);
    expect(derived.get("event-id")?.toString()).toBe(id);
    expect(derived.get("causation-id")).toEqual(input.get("event-id"));
    const tombstone = derivedHeaders(TrackPlayCount.name, null, input);
    expect(sorted(tombstone.keys())).toEqual(
      names(eventHeaderDocs).filter((n) => n !== "event-id"),
    );
  });

  it("a derived record out of a topology (TopologyTestDriver) has exactly those headers", () => {
    const builder = new StreamsBuilder();
    const seen: Array<StreamRecord<string, unknown>> = [];
    const counts = builder
      .stream<string, string>("in", { keySerde: Serdes.string(), valueSerde: Serdes.string() })
      // The input as the producer layer writes it: with every header.
      .process<string, string>(() => {
        let forward: (r: StreamRecord<string, string>) => void;
        return {
          init: (context) => {
            forward = (r) => context.forward(r);
          },
          process: (r) => forward({ ...r, headers: inputHeaders() }),
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
    ).process<string, never>(() => ({ process: (r) => void seen.push(r) }), [], {
      name: "seen",
    });
    const driver = new TopologyTestDriver(builder.build());
    try {
      driver.createInputTopic("in", Serdes.string(), Serdes.string()).pipeInput("t", "p", 1_000);
    } finally {
      driver.close();
    }
    const headers = seen[0]?.headers ?? new Map();
    expect(sorted(headers.keys())).toEqual(names(eventHeaderDocs));
    expect(headers.get("event-type")?.toString()).toBe(TrackPlayCount.name);
    expect(headers.get("traceparent")?.toString()).toBe(traceparent);
  });
});

describe("dead-letter headers: documented = written", () => {
  it("a sink's: the names of dlqHeaders, and what deadLetter adds to a record's own", () => {
    expect(names(sinkDeadLetterHeaderDocs)).toEqual(sorted(Object.values(dlqHeaders)));
    const own = inputHeaders();
    const letter = deadLetter(
      {
        record: {
          topic: "listening.plays",
          partition: 0,
          offset: 7n,
          timestamp: 1n,
          key: Buffer.from("k"),
          value: Buffer.from("v"),
          headers: own,
        } as never,
        kind: "decode",
        error: "bad bytes",
      },
      { view: "listening", dlqTopic: "listening-dlq" },
    );
    const added = Object.keys(letter.headers ?? {}).filter((k) => !own.has(k));
    expect(sorted(added)).toEqual(names(sinkDeadLetterHeaderDocs));
  });

  it("a streams application's: the names the engine sets on a dead letter", () => {
    // The engine spells them where it writes them (StreamsApp.handleRecordError), not in an
    // exported constant, so its source is read; tests/integration/streams-errors-and-windows
    // reads them off real dead letters.
    const source = readFileSync(
      new URL("../../processors/engine/runtime/streams-app.ts", import.meta.url),
      "utf8",
    );
    const set = [...source.matchAll(/headers\.set\(\s*"(vobe\.[a-z.]+)"/g)].map((m) => m[1]);
    expect(set.length).toBeGreaterThan(0);
    expect(sorted(new Set(set) as Set<string>)).toEqual(names(engineDeadLetterHeaderDocs));
  });
});

describe("docs/events.md", () => {
  it("documents every header, with who writes it, its format and its meaning", () => {
    const doc = renderEventsDoc([]);
    for (const h of [
      ...eventHeaderDocs,
      ...engineDeadLetterHeaderDocs,
      ...sinkDeadLetterHeaderDocs,
    ]) {
      expect(doc).toContain(`| \`${h.name}\` |`);
      for (const part of [h.written, h.format, h.meaning]) expect(part.length).toBeGreaterThan(3);
    }
    const all = [...eventHeaderDocs, ...engineDeadLetterHeaderDocs, ...sinkDeadLetterHeaderDocs];
    expect(new Set(all.map((h) => h.name)).size).toBe(all.length);
  });
});
