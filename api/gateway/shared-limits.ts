/**
 * Rate limits shared by every gateway instance through Redis (docs/adr/032-scaling-out.md),
 * falling back to this instance's own counters whenever Redis does not answer: a gateway
 * never stops serving because Redis did, and says which limits it applies (`mode()`,
 * reported by GET /api/health).
 *
 *   const limits = createSharedLimits("redis://127.0.0.1:6379");
 *   await app.register(rateLimit, { ...options, store: limits.Store });
 *   limits.mode();      // "shared" while Redis answers, "local" otherwise
 *   await limits.close();
 */
import { createRequire } from "node:module";
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { Redis } from "ioredis";

export type LimitsMode = "shared" | "local";

/** What the plugin passes a store's constructor (its global parameters). */
interface StoreParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

type StoreClass = new (...args: unknown[]) => FastifyRateLimitStore;

// The plugin's own two stores, combined below; it exports neither.
const require = createRequire(import.meta.url);
const RedisStore = require("@fastify/rate-limit/store/RedisStore.js") as StoreClass;
const LocalStore = require("@fastify/rate-limit/store/LocalStore.js") as StoreClass;

export interface SharedLimits {
  /** What @fastify/rate-limit's `store` option takes. */
  Store: FastifyRateLimitStoreCtor;
  mode(): LimitsMode;
  /** Redis's own state for the health answer: "ready", "connecting", "reconnecting", "end"… */
  redisState(): string;
  close(): Promise<void>;
}

/** Keys of every gateway of one platform share this prefix (tests give their own). */
export const defaultKeyPrefix = "vobe:ratelimit:";

export function createSharedLimits(url: string, keyPrefix = defaultKeyPrefix): SharedLimits {
  const redis = new Redis(url, {
    // A request waits for no reconnect: while Redis is away, counting is local at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    // Keep trying in the background, so limits are shared again as soon as Redis is back.
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    lazyConnect: false,
  });
  // An unreachable Redis is a mode, not a crash: ioredis would otherwise log every attempt.
  redis.on("error", () => {});
  let failedAt = 0;
  const mode = (): LimitsMode =>
    redis.status === "ready" && Date.now() - failedAt > 1_000 ? "shared" : "local";

  /** Counts in Redis when it answers, in this process otherwise: one store per route. */
  const fallback = (
    shared: FastifyRateLimitStore,
    local: FastifyRateLimitStore,
  ): FastifyRateLimitStore => ({
    incr(key, cb, timeWindow, max) {
      if (mode() === "local") {
        local.incr(key, cb, timeWindow, max);
        return;
      }
      shared.incr(
        key,
        (error, result) => {
          if (!error) {
            cb(null, result);
            return;
          }
          failedAt = Date.now();
          local.incr(key, cb, timeWindow, max);
        },
        timeWindow,
        max,
      );
    },
    child(routeOptions) {
      return fallback(shared.child(routeOptions), local.child(routeOptions));
    },
  });

  class FallbackStore {
    constructor(params: StoreParams) {
      const shared = new RedisStore(
        params.continueExceeding,
        params.exponentialBackoff,
        redis,
        keyPrefix,
      );
      const local = new LocalStore(
        params.continueExceeding,
        params.exponentialBackoff,
        params.cache,
      );
      // biome-ignore lint/correctness/noConstructorReturn: the plugin only calls its methods
      return fallback(shared, local);
    }
  }

  return {
    Store: FallbackStore as unknown as FastifyRateLimitStoreCtor,
    mode,
    redisState: () => redis.status,
    async close() {
      redis.disconnect();
    },
  };
}
