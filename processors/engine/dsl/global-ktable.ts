import type { ValueGetter } from "./internals/value-getter.ts";

/**
 * A table replicated in full to every task (genres, artists): streams join it by a key
 * they compute, with no repartitioning. Only joinable; updates never trigger output.
 *
 *   plays.join(artists, (_, play) => play.artistId, (play, artist) => ({ ...play, artist: artist.name }))
 */
export class GlobalKTable<K, V> {
  /** @internal */
  constructor(
    readonly storeName: string,
    /** @internal */
    readonly getter: ValueGetter<K, V>,
  ) {}
}
