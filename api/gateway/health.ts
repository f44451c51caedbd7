/**
 * GET /api/health: is this gateway instance serving, and with what. 200 while it serves;
 * `status: "degraded"` when a dependency it can do without is away: Redis, whose absence
 * turns the limits shared by every instance into this instance's own (a client may then
 * get up to N times the limit across N instances), and live updates come from this
 * instance's own reading of Kafka instead of the relay's channels (api/live/shared.ts).
 *
 *   { "status": "degraded", "rateLimits": "local", "redis": "reconnecting",
 *     "live": "local", "liveRelay": false }
 */
import type { FastifyInstance } from "fastify";
import type { SharedLiveFollower } from "../live/shared.ts";
import type { GatewayOptions } from "./config.ts";
import type { SharedLimits } from "./shared-limits.ts";

export interface GatewayHealth {
  status: "ok" | "degraded";
  /** shared: counted in Redis by every instance; local: by this one; off: no limits. */
  rateLimits: "shared" | "local" | "off";
  /** The Redis client's state, or "none" when none is configured. */
  redis: string;
  /**
   * shared: live updates reach this instance through Redis (one relay follows Kafka for
   * all); local: this instance follows Kafka itself (no Redis configured, or it is away).
   */
  live: "shared" | "local";
  /** Whether this instance is the relay. */
  liveRelay: boolean;
}

/** What health reads of the live updates (api/live/shared.ts); absent without Redis. */
export type LiveHealthSource = () => Pick<SharedLiveFollower, "mode" | "relay"> | undefined;

export function gatewayHealth(
  options: GatewayOptions,
  shared?: SharedLimits,
  live?: LiveHealthSource,
): GatewayHealth {
  const follower = live?.();
  // Without Redis, following Kafka here is the design, not a degradation.
  const liveState = follower
    ? { live: follower.mode(), liveRelay: follower.relay() }
    : { live: "local" as const, liveRelay: false };
  const liveDegraded = follower !== undefined && liveState.live === "local";
  if (!options.rateLimit) {
    return {
      status: liveDegraded ? "degraded" : "ok",
      rateLimits: "off",
      redis: "none",
      ...liveState,
    };
  }
  if (!shared) {
    return {
      status: liveDegraded ? "degraded" : "ok",
      rateLimits: "local",
      redis: "none",
      ...liveState,
    };
  }
  const mode = shared.mode();
  return {
    status: mode === "shared" && !liveDegraded ? "ok" : "degraded",
    rateLimits: mode,
    redis: shared.redisState(),
    ...liveState,
  };
}

export function registerHealth(
  app: FastifyInstance,
  options: GatewayOptions,
  shared?: SharedLimits,
  live?: LiveHealthSource,
): void {
  app.get(
    "/api/health",
    {
      // Operational, like /api/openapi.json: not part of the documented API.
      schema: {
        hide: true,
        response: {
          200: {
            type: "object",
            properties: {
              status: { type: "string", enum: ["ok", "degraded"] },
              rateLimits: { type: "string", enum: ["shared", "local", "off"] },
              redis: { type: "string" },
              live: { type: "string", enum: ["shared", "local"] },
              liveRelay: { type: "boolean" },
            },
            required: ["status", "rateLimits", "redis", "live", "liveRelay"],
          },
        },
      },
      // A probe every few seconds is not a client: never limited, never refused.
      config: { rateLimit: false },
    },
    async () => gatewayHealth(options, shared, live),
  );
}
