/**
 * Artists, albums and tracks that exist now, with their owners: the latest snapshot per
 * entity that vobe-catalog-snapshots keeps (processors/topologies/catalog-snapshots.ts),
 * so a start reads one record per entity however long the catalog's history is.
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export interface ArtistRow {
  ownerUserId: string;
  name: string;
  country: string | null;
  genres: string[];
  bio: string | null;
}
export interface AlbumRow {
  artistId: string;
  title: string;
  releaseDate: string;
  genre: string;
  coverUrl: string | null;
}
export interface TrackRow {
  albumId: string;
  artistId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genre: string;
  explicit: boolean;
}

/** A moderation takedown in force (docs/adr/021-moderation.md). */
export interface Takedown {
  reason: string;
  takenDownAt: Date;
}

export interface CatalogState {
  artists: Map<string, ArtistRow>;
  albums: Map<string, AlbumRow>;
  tracks: Map<string, TrackRow>;
  /** Takedowns in force, by entity id; the rows above stay (the owner still manages them). */
  takenDown: {
    artists: Map<string, Takedown>;
    albums: Map<string, Takedown>;
    tracks: Map<string, Takedown>;
  };
}

/** Records a snapshot's takedown, or its absence. */
const moderation = (map: Map<string, Takedown>, id: string, takedown: Takedown | null) =>
  takedown ? map.set(id, takedown) : map.delete(id);

export function createCatalogView(source: ViewSource, types: EventTypes): TopicView<CatalogState> {
  const derived = {
    AlbumSnapshot: derivedType(types, generated.AlbumSnapshot),
    ArtistSnapshot: derivedType(types, generated.ArtistSnapshot),
    TrackSnapshot: derivedType(types, generated.TrackSnapshot),
  };
  const initial: CatalogState = {
    artists: new Map(),
    albums: new Map(),
    tracks: new Map(),
    takenDown: { artists: new Map(), albums: new Map(), tracks: new Map() },
  };
  const tables = new Map<string, Map<string, unknown>>([
    [derived.ArtistSnapshot.topic, initial.artists],
    [derived.AlbumSnapshot.topic, initial.albums],
    [derived.TrackSnapshot.topic, initial.tracks],
  ]);
  const takedowns = new Map<string, Map<string, Takedown>>([
    [derived.ArtistSnapshot.topic, initial.takenDown.artists],
    [derived.AlbumSnapshot.topic, initial.takenDown.albums],
    [derived.TrackSnapshot.topic, initial.takenDown.tracks],
  ]);
  return createDerivedView({
    name: "catalog",
    topics: [...tables.keys()],
    inputs: [types.ArtistCreated.topic, types.AlbumCreated.topic, types.TrackCreated.topic],
    application: applicationGroup(types, "catalog-snapshots"),
    source,
    initial,
    // A deleted entity is a tombstone of its snapshot.
    onTombstone: (_s, id, record) => {
      tables.get(record.topic)?.delete(id);
      takedowns.get(record.topic)?.delete(id);
    },
  })
    .on(derived.ArtistSnapshot, (s, e) => {
      const { ownerUserId, name, country, genres, bio } = e;
      s.artists.set(e.artistId, { ownerUserId, name, country, genres, bio });
      moderation(s.takenDown.artists, e.artistId, e.takedown ?? null);
    })
    .on(derived.AlbumSnapshot, (s, e) => {
      const { artistId, title, releaseDate, genre, coverUrl } = e;
      s.albums.set(e.albumId, { artistId, title, releaseDate, genre, coverUrl });
      moderation(s.takenDown.albums, e.albumId, e.takedown ?? null);
    })
    .on(derived.TrackSnapshot, (s, e) => {
      const { albumId, artistId, title, durationMs, trackNumber, genre, explicit } = e;
      s.tracks.set(e.trackId, {
        albumId,
        artistId,
        title,
        durationMs,
        trackNumber,
        genre,
        explicit,
      });
      moderation(s.takenDown.tracks, e.trackId, e.takedown ?? null);
    });
}
