import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { albumDocumentsTopology } from "../../../processors/topologies/album-documents.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumDocument,
  AlbumSnapshot,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistSnapshot,
  ArtistUpdated,
} from "../../../schemas/generated/index.ts";
import { behindSnapshots } from "./behind-snapshots.ts";

const albumTypes = [AlbumCreated, AlbumUpdated, AlbumDeleted];
const artistTypes = [ArtistCreated, ArtistUpdated, ArtistDeleted];
const owner = randomUUID();

const snapshots = [AlbumSnapshot, ArtistSnapshot];

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
let feed: ReturnType<typeof behindSnapshots> | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...albumTypes, ...artistTypes, ...snapshots, AlbumDocument]);
});
afterEach(() => {
  feed?.close();
  driver?.close();
});

/** The topology behind catalog-snapshots: the tests speak in raw catalog events. */
function start() {
  driver = new TopologyTestDriver(albumDocumentsTopology({ serdes }));
  const d = driver;
  feed = behindSnapshots(serdes, d, snapshots);
  const topics = {
    albums: feed.input("artist.albums", albumTypes),
    artists: feed.input("artist.artists", artistTypes),
  };
  const out = d.createOutputTopic(
    "search.album-documents",
    Serdes.string(),
    serdes.derived(AlbumDocument),
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
  const artist = (type: EventType<unknown>, artistId: string, name: string) =>
    send("artists", type, artistId, {
      artistId,
      ...(type === ArtistCreated ? { ownerUserId: owner } : {}),
      name,
      country: "NO",
      genres: ["rock"],
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
  const read = () =>
    out
      .readKeyValuesToList()
      .map(([k, v]) => [k, v === null ? null : `${v.title}|${v.artistName}`]);
  return { send, artist, album, read, out };
}

describe("album documents", () => {
  it("needs the album and its artist, in either order", () => {
    const { artist, album, read, out } = start();
    const [al1, ar1] = [randomUUID(), randomUUID()];
    album(AlbumCreated, al1, ar1, "Album");
    expect(read()).toEqual([]);
    artist(ArtistCreated, ar1, "Band");
    const records = out.readRecordsToList();
    expect(records.map((r) => r.key)).toEqual([al1]);
    expect(records[0]?.value).toMatchObject({
      albumId: al1,
      title: "Album",
      releaseDate: "2024-03-01",
      genre: "indie",
      artistId: ar1,
      artistName: "Band",
      actor: { userId: null, role: "system" },
    });
  });

  it("follows a rename of the artist to every album, and an album given to another artist", () => {
    const { artist, album, read } = start();
    const [al1, al2, ar1, ar2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    artist(ArtistCreated, ar1, "Band");
    artist(ArtistCreated, ar2, "Other");
    album(AlbumCreated, al1, ar1, "First");
    album(AlbumCreated, al2, ar1, "Second");
    read();
    artist(ArtistUpdated, ar1, "The Band");
    expect(read().sort()).toEqual(
      [
        [al1, "First|The Band"],
        [al2, "Second|The Band"],
      ].sort(),
    );
    album(AlbumUpdated, al2, ar2, "Second");
    expect(read()).toEqual([[al2, "Second|Other"]]);
    // The old artist no longer reaches the moved album.
    artist(ArtistUpdated, ar1, "The Band!");
    expect(read()).toEqual([[al1, "First|The Band!"]]);
  });

  it("deletes the document when the album or its artist is deleted, for good", () => {
    const { send, artist, album, read } = start();
    const [al1, al2, ar1, ar2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    artist(ArtistCreated, ar1, "A");
    artist(ArtistCreated, ar2, "B");
    album(AlbumCreated, al1, ar1, "X");
    album(AlbumCreated, al2, ar2, "Y");
    read();
    send("albums", AlbumDeleted, al1, { albumId: al1, artistId: ar1 });
    expect(read()).toEqual([[al1, null]]);
    send("artists", ArtistDeleted, ar2, { artistId: ar2 });
    expect(read()).toEqual([[al2, null]]);
    album(AlbumUpdated, al1, ar1, "X again");
    expect(read()).toEqual([]);
  });
});
