import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { momentSnapshotsTopology } from "../../../processors/topologies/moment-snapshots.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  TrackMomentDeleted,
  TrackMomentPosted,
  TrackMomentSnapshot,
} from "../../../schemas/generated/index.ts";

const momentTypes = [TrackMomentPosted, TrackMomentDeleted];
const author = randomUUID();

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...momentTypes, TrackMomentSnapshot]);
});
afterEach(() => driver?.close());

let clock = Date.UTC(2026, 0, 5);
function send(d: TopologyTestDriver) {
  const input = d.createInputTopic(
    TrackMomentPosted.topic,
    Serdes.string(),
    serdes.events(momentTypes),
  );
  return (type: EventType<unknown>, key: string, fields: object) => {
    clock += 1_000;
    const value = {
      eventId: randomUUID(),
      occurredAt: new Date(clock),
      actor: { userId: author, role: "listener" as const },
      ...fields,
    };
    input.pipeInput(key, { type: type.name, value }, clock);
  };
}

describe("moment snapshots (ADR-028): each moment as it is now, owned by moment-snapshots", () => {
  it("keeps a posted moment's track, author and point, and makes a deleted one a tombstone for good", () => {
    driver = new TopologyTestDriver(momentSnapshotsTopology({ serdes }));
    const moment = send(driver);
    const out = driver.createOutputTopic(
      TrackMomentSnapshot.topic,
      Serdes.string(),
      serdes.derived(TrackMomentSnapshot),
    );
    const table = new Map<string, TrackMomentSnapshot | null>();
    const latest = () => {
      for (const [k, v] of out.readKeyValuesToList()) if (k !== null) table.set(k, v);
      return table;
    };
    const [trackId, a, b] = [randomUUID(), randomUUID(), randomUUID()];
    moment(TrackMomentPosted, a, {
      momentId: a,
      trackId,
      authorId: author,
      atMs: 42_000,
      body: "drop!",
    });
    moment(TrackMomentPosted, b, {
      momentId: b,
      trackId,
      authorId: author,
      atMs: 0,
      body: "intro",
    });
    expect(latest().get(a)).toMatchObject({
      momentId: a,
      trackId,
      authorId: author,
      atMs: 42_000,
      body: "drop!",
      actor: { userId: null, role: "system" },
    });
    moment(TrackMomentDeleted, a, { momentId: a, trackId, authorId: author });
    expect(latest().get(a)).toBeNull();
    expect(latest().get(b)).toMatchObject({ atMs: 0, body: "intro" });
    // Deletes are final: a resent post of the deleted moment brings nothing back.
    moment(TrackMomentPosted, a, {
      momentId: a,
      trackId,
      authorId: author,
      atMs: 42_000,
      body: "drop!",
    });
    expect(latest().get(a)).toBeNull();
  });
});
