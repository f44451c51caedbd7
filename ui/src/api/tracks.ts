/**
 * Tracks by id, for lists whose items carry only a track id (trending, likes, history, a
 * playlist): one `GET /api/artist/tracks?ids=` per 100 ids instead of a request per track.
 * An id that is not a public track is missing from the map.
 *
 *   const tracks = await tracksById(page.items.map((i) => i.trackId), signal);
 *   tracks.get(trackId)?.title
 */
import { type Answer, api } from "./client.ts";

export type Track = Answer<"/api/artist/tracks/{id}">;

/** As many as one request may ask for (the route's own bound). */
const perRequest = 100;

export async function tracksById(
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Track>> {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += perRequest) chunks.push(unique.slice(i, i + perRequest));
  const answers = await Promise.all(
    chunks.map((chunk) =>
      api.get("/api/artist/tracks", {
        query: { ids: chunk.join(",") },
        ...(signal ? { signal } : {}),
      }),
    ),
  );
  return new Map(answers.flatMap((a) => a.items.map((track) => [track.trackId, track] as const)));
}
