/** The gateway's settings from the environment (server.ts): no stack needed. */
import { describe, expect, it } from "vitest";
import { gatewayOptionsFromEnv, servesLocally } from "../../api/gateway/index.ts";

describe("gateway options from the env", () => {
  it("remote services, only, CORS origins, rate limits and the timeout", () => {
    const options = gatewayOptionsFromEnv({
      VOBE_SERVICE_URL_COMMENT: "http://127.0.0.1:8091/ignored/path",
      VOBE_SERVICE_URL_SEARCH: "https://search.internal",
      VOBE_CORS_ORIGINS: "https://vobe.example, http://localhost:5173",
      VOBE_RATE_LIMIT_AUTH_MAX: "5",
      VOBE_GATEWAY_TIMEOUT_MS: "800",
    });
    expect(options).toEqual({
      services: { comment: "http://127.0.0.1:8091", search: "https://search.internal" },
      corsOrigins: ["https://vobe.example", "http://localhost:5173"],
      rateLimit: { max: 600, authMax: 5, timeWindowMs: 60_000 },
      breaker: { timeoutMs: 800 },
      web: { root: expect.stringMatching(/ui\/dist$/) },
      redisUrl: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(servesLocally(options, "comment")).toBe(false);
    expect(servesLocally(options, "content")).toBe(true);

    const alone = gatewayOptionsFromEnv({ VOBE_API_ONLY: "comment,artist" });
    expect(alone.only).toEqual(["comment", "artist"]);
    expect(servesLocally(alone, "comment")).toBe(true);
    expect(servesLocally(alone, "content")).toBe(false);
    expect(gatewayOptionsFromEnv({ VOBE_RATE_LIMIT_MAX: "0" }).rateLimit).toBe(false);
    // The built web app: ui/dist by default, another folder, or none.
    expect(gatewayOptionsFromEnv({ VOBE_WEB_ROOT: "/srv/vobe-web" }).web).toEqual({
      root: "/srv/vobe-web",
    });
    expect(gatewayOptionsFromEnv({ VOBE_WEB_ROOT: "off" }).web).toBe(false);
    // Redis for the shared limits: the native stack's, another, or none.
    expect(gatewayOptionsFromEnv({ VOBE_REDIS_URL: "redis://redis:6379" }).redisUrl).toBe(
      "redis://redis:6379",
    );
    expect(gatewayOptionsFromEnv({ VOBE_REDIS_URL: "off" }).redisUrl).toBe(false);
  });

  it("refuses what it cannot use", () => {
    expect(() => gatewayOptionsFromEnv({ VOBE_API_ONLY: "comments" })).toThrow(/unknown service/);
    expect(() => gatewayOptionsFromEnv({ VOBE_SERVICE_URL_AUTH: "ftp://x" })).toThrow(/http/);
    expect(() => gatewayOptionsFromEnv({ VOBE_RATE_LIMIT_MAX: "many" })).toThrow(/whole number/);
  });
});
