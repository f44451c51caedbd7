import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  applyPlaylist,
  maxPlaylistEntries,
  type PlaylistRow,
  playlistEvents,
  playlistSnapshotsTopology,
} from "../../../processors/topologies/playlist-snapshots.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  PlaylistCreated,
  PlaylistDeleted,
  PlaylistRenamed,
  PlaylistSnapshot,
  PlaylistTrackAdded,
  PlaylistTrackMoved,
  PlaylistTrackRemoved,
  PlaylistVisibilityChanged,
} from "../../../schemas/generated/index.ts";

const owner = randomUUID();
let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...playlistEvents, PlaylistSnapshot]);
});
afterEach(() => driver?.close());

let clock = Date.UTC(2026, 0, 5);

/** A driver with the topology, a sender of playlist events and the snapshot table. */
function start() {
  driver = new TopologyTestDriver(playlistSnapshotsTopology({ serdes }));
  const input = driver.createInputTopic(
    "listening.playlists",
    Serdes.string(),
    serdes.events([...playlistEvents]),
  );
  const sent: Array<[string, { type: string; value: object }, number]> = [];
  const send = (type: EventType<unknown>, playlistId: string, fields: object = {}) => {
    clock += 1_000;
    const value = {
      eventId: randomUUID(),
      occurredAt: new Date(clock),
      actor: { userId: owner, role: "listener" as const },
      playlistId,
      ...fields,
    };
    sent.push([playlistId, { type: type.name, value }, clock]);
    input.pipeInput(playlistId, { type: type.name, value }, clock);
  };
  /** Every record sent so far, sent again (a producer's retry or a replayed log). */
  const resendAll = () => {
    for (const [key, event, at] of [...sent]) input.pipeInput(key, event, at);
  };
  const out = driver.createOutputTopic(
    "listening.playlist-snapshots",
    Serdes.string(),
    serdes.derived(PlaylistSnapshot),
  );
  const table = new Map<string, PlaylistSnapshot | null>();
  const latest = () => {
    for (const [k, v] of out.readKeyValuesToList()) if (k !== null) table.set(k, v);
    return table;
  };
  const tracksOf = (id: string) =>
    latest()
      .get(id)
      ?.entries.map((e) => e.trackId);
  return { send, resendAll, latest, tracksOf };
}

const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];

describe("playlist snapshots: each playlist as it is now", () => {
  it("folds creation, additions, moves, removals, renames and visibility into one record", () => {
    const { send, latest, tracksOf } = start();
    const id = randomUUID();
    const [e1, e2, e3] = [randomUUID(), randomUUID(), randomUUID()];
    send(PlaylistCreated, id, { ownerId: owner, name: "Road", visibility: "private" });
    expect(latest().get(id)).toMatchObject({ ownerId: owner, name: "Road", entries: [] });
    send(PlaylistTrackAdded, id, { entryId: e1, trackId: a, position: null });
    send(PlaylistTrackAdded, id, { entryId: e2, trackId: b, position: null });
    send(PlaylistTrackAdded, id, { entryId: e3, trackId: c, position: 0 });
    expect(tracksOf(id)).toEqual([c, a, b]);
    send(PlaylistTrackMoved, id, { entryId: e3, position: 2 });
    expect(tracksOf(id)).toEqual([a, b, c]);
    send(PlaylistTrackMoved, id, { entryId: e2, position: 99 });
    expect(tracksOf(id)).toEqual([a, c, b]);
    send(PlaylistTrackRemoved, id, { entryId: e1 });
    expect(tracksOf(id)).toEqual([c, b]);
    send(PlaylistRenamed, id, { name: "Night drive" });
    send(PlaylistVisibilityChanged, id, { visibility: "public" });
    const snapshot = latest().get(id);
    expect(snapshot).toMatchObject({
      playlistId: id,
      name: "Night drive",
      visibility: "public",
      actor: { userId: null, role: "system" },
    });
    expect(snapshot?.updatedAt.getTime()).toBe(clock);
    expect(snapshot?.createdAt.getTime()).toBeLessThan(clock);
  });

  it("keeps one entry per entry id, so the same track can be in twice but a resent addition is not", () => {
    const { send, tracksOf } = start();
    const id = randomUUID();
    const [e1, e2] = [randomUUID(), randomUUID()];
    send(PlaylistCreated, id, { ownerId: owner, name: "Twice", visibility: "private" });
    send(PlaylistTrackAdded, id, { entryId: e1, trackId: a, position: null });
    send(PlaylistTrackAdded, id, { entryId: e2, trackId: a, position: null });
    send(PlaylistTrackAdded, id, { entryId: e1, trackId: a, position: 0 });
    expect(tracksOf(id)).toEqual([a, a]);
  });

  it("comes to the same state when the whole log is read again (nothing doubled on replay)", () => {
    const { send, resendAll, latest } = start();
    const id = randomUUID();
    const [e1, e2] = [randomUUID(), randomUUID()];
    send(PlaylistCreated, id, { ownerId: owner, name: "Once", visibility: "private" });
    send(PlaylistTrackAdded, id, { entryId: e1, trackId: a, position: null });
    send(PlaylistTrackAdded, id, { entryId: e2, trackId: b, position: null });
    send(PlaylistTrackMoved, id, { entryId: e2, position: 0 });
    send(PlaylistRenamed, id, { name: "Once more" });
    const before = structuredClone(latest().get(id));
    resendAll();
    const after = latest().get(id);
    expect(after?.entries).toEqual(before?.entries);
    expect(after?.name).toBe("Once more");
    expect(after?.createdAt).toEqual(before?.createdAt);
  });

  it("writes a tombstone on delete and ignores what comes after it", () => {
    const { send, latest } = start();
    const id = randomUUID();
    send(PlaylistCreated, id, { ownerId: owner, name: "Gone", visibility: "public" });
    send(PlaylistDeleted, id);
    expect(latest().has(id)).toBe(true);
    expect(latest().get(id)).toBeNull();
    send(PlaylistRenamed, id, { name: "Back?" });
    send(PlaylistCreated, id, { ownerId: owner, name: "Back?", visibility: "public" });
    expect(latest().get(id)).toBeNull();
  });

  it("ignores changes of a playlist never created, moves of removed entries and additions past the limit", () => {
    const { send, latest, tracksOf } = start();
    const ghost = randomUUID();
    send(PlaylistRenamed, ghost, { name: "nobody" });
    expect(latest().has(ghost)).toBe(false);
    const id = randomUUID();
    const [e1, e2] = [randomUUID(), randomUUID()];
    send(PlaylistCreated, id, { ownerId: owner, name: "Short", visibility: "private" });
    send(PlaylistTrackAdded, id, { entryId: e1, trackId: a, position: null });
    send(PlaylistTrackAdded, id, { entryId: e2, trackId: b, position: null });
    send(PlaylistTrackRemoved, id, { entryId: e1 });
    send(PlaylistTrackMoved, id, { entryId: e1, position: 1 });
    send(PlaylistTrackRemoved, id, { entryId: e1 });
    expect(tracksOf(id)).toEqual([b]);
    // The limit, on the fold itself (500 records through the driver take seconds).
    const full: PlaylistRow = {
      playlistId: id,
      ownerId: owner,
      name: "Full",
      visibility: "private",
      createdAt: 0,
      updatedAt: 0,
      entries: Array.from({ length: maxPlaylistEntries }, () => ({
        entryId: randomUUID(),
        trackId: a,
        addedAt: 0,
      })),
    };
    const added = { entryId: randomUUID(), trackId: b, position: 0 };
    const value = { eventId: randomUUID(), occurredAt: new Date(1), playlistId: id, ...added };
    const after = applyPlaylist(full, { type: PlaylistTrackAdded.name, value } as never, 1);
    expect(after).toBe(full);
  });
});
