import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { trackDocumentsTopology } from "../../../processors/topologies/track-documents.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumSnapshot,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistSnapshot,
  ArtistUpdated,
  TrackCreated,
  TrackDeleted,
  TrackDocument,
  TrackSnapshot,
  TrackUpdated,
} from "../../../schemas/generated/index.ts";
import { behindSnapshots } from "./behind-snapshots.ts";

const trackTypes = [TrackCreated, TrackUpdated, TrackDeleted];
const albumTypes = [AlbumCreated, AlbumUpdated, AlbumDeleted];
const artistTypes = [ArtistCreated, ArtistUpdated, ArtistDeleted];
const owner = randomUUID();

const snapshots = [TrackSnapshot, AlbumSnapshot, ArtistSnapshot];

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
let feed: ReturnType<typeof behindSnapshots> | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([
    ...trackTypes,
    ...albumTypes,
    ...artistTypes,
    ...snapshots,
    TrackDocument,
  ]);
});
afterEach(() => {
  feed?.close();
  driver?.close();
});

/** The topology behind catalog-snapshots: the tests speak in raw catalog events. */
function start() {
  driver = new TopologyTestDriver(trackDocumentsTopology({ serdes }));
  const d = driver;
  feed = behindSnapshots(serdes, d, snapshots);
  const topics = {
    tracks: feed.input("artist.tracks", trackTypes),
    albums: feed.input("artist.albums", albumTypes),
    artists: feed.input("artist.artists", artistTypes),
  };
  const out = d.createOutputTopic(
    "search.track-documents",
    Serdes.string(),
    serdes.derived(TrackDocument),
  );
  let clock = Date.UTC(2026, 0, 5);
  const send = <T>(topic: keyof typeof topics, type: EventType<T>, key: string, fields: object) => {
    clock += 1_000;
    const value = {
      eventId: randomUUID(),
      occurredAt: new Date(clock),
      actor: { userId: owner, role: "artist" as const },
      ...fields,
    };
    topics[topic].pipeInput(key, { type: type.name, value }, clock);
  };
  const artist = (type: EventType<unknown>, artistId: string, name: string, genres = ["rock"]) =>
    send("artists", type, artistId, {
      artistId,
      ...(type === ArtistCreated ? { ownerUserId: owner } : {}),
      name,
      country: "NO",
      genres,
      bio: null,
    });
  const album = (type: EventType<unknown>, albumId: string, artistId: string, title: string) =>
    send("albums", type, albumId, {
      albumId,
      artistId,
      title,
      releaseDate: "2024-03-01",
      genre: "indie",
      coverUrl: null,
    });
  const track = (
    type: EventType<unknown>,
    trackId: string,
    albumId: string,
    artistId: string,
    title: string,
  ) =>
    send("tracks", type, trackId, {
      trackId,
      albumId,
      artistId,
      title,
      durationMs: 180_000,
      trackNumber: 1,
      genre: "rock",
      explicit: false,
    });
  const read = () =>
    out
      .readKeyValuesToList()
      .map(([k, v]) => [k, v === null ? null : `${v.title}|${v.albumTitle}|${v.artistName}`]);
  return { send, artist, album, track, read, out };
}

describe("track documents", () => {
  it("needs the track, its album and its artist, in any order", () => {
    const { artist, album, track, read, out } = start();
    const [t1, al1, ar1] = [randomUUID(), randomUUID(), randomUUID()];
    track(TrackCreated, t1, al1, ar1, "Song");
    album(AlbumCreated, al1, ar1, "Album");
    expect(read()).toEqual([]);
    artist(ArtistCreated, ar1, "Band", ["rock", "pop"]);
    const records = out.readRecordsToList();
    expect(records.map((r) => r.key)).toEqual([t1]);
    expect(records[0]?.value).toMatchObject({
      trackId: t1,
      title: "Song",
      albumId: al1,
      albumTitle: "Album",
      releaseDate: "2024-03-01",
      artistId: ar1,
      artistName: "Band",
      artistCountry: "NO",
      genres: ["rock", "indie", "pop"],
      actor: { userId: null, role: "system" },
    });
  });

  it("follows album and artist changes to every track, and moves a track to its new album", () => {
    const { artist, album, track, read } = start();
    const [t1, t2, al1, al2, ar1] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    artist(ArtistCreated, ar1, "Band");
    album(AlbumCreated, al1, ar1, "First");
    album(AlbumCreated, al2, ar1, "Second");
    track(TrackCreated, t1, al1, ar1, "One");
    track(TrackCreated, t2, al1, ar1, "Two");
    read();
    album(AlbumUpdated, al1, ar1, "First (remastered)");
    expect(read().sort()).toEqual(
      [
        [t1, "One|First (remastered)|Band"],
        [t2, "Two|First (remastered)|Band"],
      ].sort(),
    );
    track(TrackUpdated, t2, al2, ar1, "Two");
    expect(read()).toEqual([[t2, "Two|Second|Band"]]);
    // The old album no longer reaches the moved track.
    album(AlbumUpdated, al1, ar1, "First (deluxe)");
    expect(read()).toEqual([[t1, "One|First (deluxe)|Band"]]);
    artist(ArtistUpdated, ar1, "The Band");
    expect(read().sort()).toEqual(
      [
        [t1, "One|First (deluxe)|The Band"],
        [t2, "Two|Second|The Band"],
      ].sort(),
    );
  });

  it("deletes documents when the track, its album or its artist is deleted", () => {
    const { send, artist, album, track, read } = start();
    const [t1, t2, t3, al1, al2, ar1, ar2] = Array.from({ length: 7 }, () =>
      randomUUID(),
    ) as string[] as [string, string, string, string, string, string, string];
    artist(ArtistCreated, ar1, "A");
    artist(ArtistCreated, ar2, "B");
    album(AlbumCreated, al1, ar1, "X");
    album(AlbumCreated, al2, ar2, "Y");
    track(TrackCreated, t1, al1, ar1, "1");
    track(TrackCreated, t2, al1, ar1, "2");
    track(TrackCreated, t3, al2, ar2, "3");
    read();
    send("tracks", TrackDeleted, t1, { trackId: t1, albumId: al1, artistId: ar1 });
    expect(read()).toEqual([[t1, null]]);
    send("albums", AlbumDeleted, al1, { albumId: al1, artistId: ar1 });
    expect(read()).toEqual([[t2, null]]);
    send("artists", ArtistDeleted, ar2, { artistId: ar2 });
    expect(read()).toEqual([[t3, null]]);
    // A deleted track stays deleted.
    track(TrackUpdated, t1, al2, ar2, "1 again");
    expect(read()).toEqual([]);
  });
});
