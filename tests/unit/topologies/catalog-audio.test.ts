import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DecodedEvent } from "../../../processors/serdes/avro.ts";
import { applyTrack } from "../../../processors/topologies/catalog-snapshots.ts";
import {
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
  TrackUpdated,
} from "../../../schemas/generated/index.ts";

const trackId = randomUUID();
const albumId = randomUUID();
const artistId = randomUUID();
const details = { trackId, albumId, artistId, title: "A", durationMs: 1000, trackNumber: 1 };
const envelope = { eventId: randomUUID(), occurredAt: new Date(0), actor: null };
const ev = (type: { name: string }, value: object): DecodedEvent => ({
  type: type.name,
  value: { ...envelope, ...value },
});
const created = ev(TrackCreated, { ...details, genre: "ambient", explicit: false });
const updated = ev(TrackUpdated, { ...details, title: "B", genre: "ambient", explicit: true });
const audio = {
  contentHash: "a".repeat(64),
  codec: "vorbis",
  mimeType: "audio/ogg",
  durationMs: 20_000,
  sizeBytes: 12_345,
};
const uploaded = ev(TrackAudioUploaded, { trackId, albumId, artistId, ...audio });

const fold = (events: DecodedEvent[]) =>
  events.reduce<ReturnType<typeof applyTrack>>((row, e) => applyTrack(row, e), null);

describe("the track snapshot's audio", () => {
  it("is null until uploaded, then the latest upload's", () => {
    expect(fold([created])?.audio).toBeNull();
    expect(fold([created, uploaded])?.audio).toEqual(audio);
    const again = ev(TrackAudioUploaded, { ...audio, contentHash: "b".repeat(64), trackId });
    expect(fold([created, uploaded, again])?.audio?.contentHash).toBe("b".repeat(64));
  });

  it("survives an update of the track's details", () => {
    const row = fold([created, uploaded, updated]);
    expect(row?.title).toBe("B");
    expect(row?.audio).toEqual(audio);
  });

  it("of a track never created (or deleted) makes no track", () => {
    expect(fold([uploaded])).toBeNull();
    expect(fold([created, ev(TrackDeleted, { trackId, albumId, artistId })])).toBeNull();
  });

  it("reads a row stored before audio existed (no field) as no audio", () => {
    const { audio: _none, ...old } = fold([created]) as NonNullable<ReturnType<typeof applyTrack>>;
    expect(applyTrack(old as never, updated)?.audio).toBeNull();
  });
});
