/**
 * GET /api/health: is this gateway instance serving, and with what. 200 while it serves;
 * `status: "degraded"` when a dependency it can do without is away: Redis, whose absence
 * turns the limits shared by every instance into this instance's own (a client may then
 * get up to N times the limit across N instances).
 *
 *   { "status": "degraded", "rateLimits": "local", "redis": "reconnecting" }
 */
import type { FastifyInstance } from "fastify";
import type { GatewayOptions } from "./config.ts";
import type { SharedLimits } from "./shared-limits.ts";

export interface GatewayHealth {
  status: "ok" | "degraded";
  /** shared: counted in Redis by every instance; local: by this one; off: no limits. */
  rateLimits: "shared" | "local" | "off";
  /** The Redis client's state, or "none" when none is configured. */
  redis: string;
}

export function gatewayHealth(options: GatewayOptions, shared?: SharedLimits): GatewayHealth {
  if (!options.rateLimit) return { status: "ok", rateLimits: "off", redis: "none" };
  if (!shared) return { status: "ok", rateLimits: "local", redis: "none" };
  const mode = shared.mode();
  return {
    status: mode === "shared" ? "ok" : "degraded",
    rateLimits: mode,
    redis: shared.redisState(),
  };
}

export function registerHealth(
  app: FastifyInstance,
  options: GatewayOptions,
  shared?: SharedLimits,
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
            },
            required: ["status", "rateLimits", "redis"],
          },
        },
      },
      // A probe every few seconds is not a client: never limited, never refused.
      config: { rateLimit: false },
    },
    async () => gatewayHealth(options, shared),
  );
}
