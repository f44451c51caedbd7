/** Artists, albums and tracks that exist now, with their owners: the artist topics folded. */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

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

export interface CatalogState {
  artists: Map<string, ArtistRow>;
  albums: Map<string, AlbumRow>;
  tracks: Map<string, TrackRow>;
}

export function createCatalogView(source: ViewSource, types: EventTypes): TopicView<CatalogState> {
  const initial: CatalogState = { artists: new Map(), albums: new Map(), tracks: new Map() };
  return createTopicView({
    name: "catalog",
    topics: [types.ArtistCreated.topic, types.AlbumCreated.topic, types.TrackCreated.topic],
    source,
    initial,
  })
    .on(types.ArtistCreated, (s, e) => {
      const { ownerUserId, name, country, genres, bio } = e;
      s.artists.set(e.artistId, { ownerUserId, name, country, genres, bio });
    })
    .on(types.ArtistUpdated, (s, e) => {
      const artist = s.artists.get(e.artistId);
      if (artist)
        Object.assign(artist, { name: e.name, country: e.country, genres: e.genres, bio: e.bio });
    })
    .on(types.ArtistDeleted, (s, e) => s.artists.delete(e.artistId))
    .on(types.AlbumCreated, (s, e) => s.albums.set(e.albumId, albumRow(e)))
    .on(types.AlbumUpdated, (s, e) => s.albums.set(e.albumId, albumRow(e)))
    .on(types.AlbumDeleted, (s, e) => s.albums.delete(e.albumId))
    .on(types.TrackCreated, (s, e) => s.tracks.set(e.trackId, trackRow(e)))
    .on(types.TrackUpdated, (s, e) => s.tracks.set(e.trackId, trackRow(e)))
    .on(types.TrackDeleted, (s, e) => s.tracks.delete(e.trackId));
}

const albumRow = (e: AlbumRow): AlbumRow => ({
  artistId: e.artistId,
  title: e.title,
  releaseDate: e.releaseDate,
  genre: e.genre,
  coverUrl: e.coverUrl,
});

const trackRow = (e: TrackRow): TrackRow => ({
  albumId: e.albumId,
  artistId: e.artistId,
  title: e.title,
  durationMs: e.durationMs,
  trackNumber: e.trackNumber,
  genre: e.genre,
  explicit: e.explicit,
});
