/**
 * The live streams of one process, by channel and key: who listens to what, and the
 * delivery of one message to a key's listeners. Shared by the process's own Kafka
 * follower (follower.ts) and the Redis relay's subscriber side (shared.ts).
 */
import type { LiveChannel, LiveListener, LiveMessage, LiveSink } from "./follower.ts";

export interface LiveSubscribers extends LiveSink {
  /** Adds one stream listening to `keys`; returns the keys nobody listened to before. */
  add(channel: LiveChannel, keys: readonly string[], listener: LiveListener): string[];
  /** Removes a stream added with the same keys; returns the keys nobody listens to now. */
  remove(channel: LiveChannel, keys: readonly string[], listener: LiveListener): string[];
  /** The keys of `channel` someone listens to. */
  keys(channel: LiveChannel): IterableIterator<string>;
  counts(): { subscribers: number; keys: number; delivered: number };
}

export function createLiveSubscribers(log?: {
  warn(details: object, message: string): void;
}): LiveSubscribers {
  const byKey: Record<LiveChannel, Map<string, Set<LiveListener>>> = {
    comments: new Map(),
    plays: new Map(),
    moments: new Map(),
  };
  let subscribers = 0;
  let delivered = 0;
  return {
    watching: (channel, key) =>
      key === undefined ? byKey[channel].size > 0 : byKey[channel].has(key),
    onMessage(channel, key, message: LiveMessage) {
      const listeners = byKey[channel].get(key);
      if (!listeners) return;
      for (const listener of listeners) {
        delivered += 1;
        try {
          listener(message);
        } catch (error) {
          log?.warn({ err: error }, "live listener failed");
        }
      }
    },
    add(channel, keys, listener) {
      const fresh: string[] = [];
      for (const key of keys) {
        const set = byKey[channel].get(key) ?? new Set();
        if (set.size === 0) fresh.push(key);
        set.add(listener);
        byKey[channel].set(key, set);
      }
      subscribers += 1;
      return fresh;
    },
    remove(channel, keys, listener) {
      subscribers -= 1;
      const gone: string[] = [];
      for (const key of keys) {
        const set = byKey[channel].get(key);
        set?.delete(listener);
        if (set?.size === 0) {
          byKey[channel].delete(key);
          gone.push(key);
        }
      }
      return gone;
    },
    keys: (channel) => byKey[channel].keys(),
    counts: () => ({
      subscribers,
      keys: byKey.comments.size + byKey.plays.size + byKey.moments.size,
      delivered,
    }),
  };
}
