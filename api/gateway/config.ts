/**
 * What the gateway is told: where each service runs (in this process, or at a URL), the
 * per-service timeout and circuit breaker, CORS origins and rate limits.
 *
 *   buildApp({ endpoints, gateway: gatewayOptionsFromEnv(process.env) })   // server.ts
 *   buildApp({ endpoints, gateway: { services: { comment: "http://127.0.0.1:8091" } } })
 *   buildApp({ endpoints, gateway: { only: ["comment"] } })   // one service, behind a gateway
 */

import { fileURLToPath } from "node:url";
import { stackConfig } from "../../stack/config.ts";

/** Every `/api/<service>` prefix. search has reads only. */
export const services = [
  "auth",
  "artist",
  "content",
  "comment",
  "feedback",
  "listening",
  "chat",
  "search",
] as const;
export type Service = (typeof services)[number];

export const isService = (name: string): name is Service =>
  (services as readonly string[]).includes(name);

export interface BreakerOptions {
  /** A call that has not answered by then fails with reason "timeout" (ms). */
  timeoutMs: number;
  /** The breaker opens when this share of the calls in the window failed (percent)… */
  errorThresholdPercentage: number;
  /** …and at least this many calls were made in the window. */
  volumeThreshold: number;
  /** The rolling window (ms). */
  rollingCountTimeoutMs: number;
  /** An open breaker lets one trial call through after this long (ms). */
  resetTimeoutMs: number;
}

export interface RateLimitOptions {
  /** Requests per IP and window, every route. */
  max: number;
  /** POST /api/auth/login and POST /api/auth/signup, per IP and window, each. */
  authMax: number;
  timeWindowMs: number;
}

export interface GatewayOptions {
  /** A service served by another process: its base URL (`http://127.0.0.1:8091`). */
  services?: Partial<Record<Service, string>>;
  /**
   * This process serves only these services (their write and read routes) and is not a
   * gateway: no proxying, no composition, no CORS and no rate limits (the gateway in front
   * does those; behind it every request would come from the gateway's IP).
   */
  only?: Service[];
  breaker?: Partial<BreakerOptions>;
  /** Origins allowed by CORS; default: the local dev origins. */
  corsOrigins?: string[];
  /** false: no rate limits (the default of buildApp; server.ts turns them on). */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** How long a proxied request may take to answer its headers (ms). Default 15 s. */
  proxyTimeoutMs?: number;
  /** The built web app served at `/` (api/gateway/web.ts); absent or false: none. */
  web?: { root: string } | false;
  /**
   * Redis shared by the gateway instances for their rate limits (api/gateway/shared-limits.ts);
   * absent or false: each instance counts alone.
   */
  redisUrl?: string | false;
  /** Where the shared counters' keys start (tests: one prefix per run). */
  redisKeyPrefix?: string;
}

/** Where `./vobe start` builds the web app (ui/scripts/build.ts). */
export const defaultWebRoot = fileURLToPath(new URL("../../ui/dist", import.meta.url));

export const defaultBreaker: BreakerOptions = {
  timeoutMs: 1_500,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingCountTimeoutMs: 10_000,
  resetTimeoutMs: 10_000,
};

export const defaultRateLimit: RateLimitOptions = { max: 600, authMax: 10, timeWindowMs: 60_000 };

/** The Vite dev server and the API itself, by name and by address. */
export const defaultCorsOrigins = [
  "http://localhost:5173",
  "http://127.0.0.1:5173",
  "http://localhost:8080",
  "http://127.0.0.1:8080",
];

/**
 * VOBE_SERVICE_URL_<SERVICE> (e.g. VOBE_SERVICE_URL_COMMENT=http://127.0.0.1:8091),
 * VOBE_API_ONLY=comment[,…], VOBE_CORS_ORIGINS=a,b, VOBE_RATE_LIMIT_MAX,
 * VOBE_RATE_LIMIT_AUTH_MAX, VOBE_RATE_LIMIT_WINDOW_MS (VOBE_RATE_LIMIT_MAX=0: off),
 * VOBE_GATEWAY_TIMEOUT_MS, VOBE_WEB_ROOT (the built web app; default ui/dist; "off": none),
 * VOBE_REDIS_URL (default: the native stack's Redis; "off": limits per instance).
 */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv): GatewayOptions {
  const remote: Partial<Record<Service, string>> = {};
  for (const service of services) {
    const url = env[`VOBE_SERVICE_URL_${service.toUpperCase()}`];
    if (url) remote[service] = checkedUrl(service, url);
  }
  const only = list(env.VOBE_API_ONLY);
  for (const name of only) {
    if (!isService(name)) throw new Error(`VOBE_API_ONLY: unknown service ${name}`);
  }
  const number = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected a whole number`);
    return n;
  };
  const max = number("VOBE_RATE_LIMIT_MAX", defaultRateLimit.max);
  return {
    services: remote,
    ...(only.length > 0 ? { only: only as Service[] } : {}),
    ...(env.VOBE_CORS_ORIGINS ? { corsOrigins: list(env.VOBE_CORS_ORIGINS) } : {}),
    rateLimit:
      max === 0
        ? false
        : {
            max,
            authMax: number("VOBE_RATE_LIMIT_AUTH_MAX", defaultRateLimit.authMax),
            timeWindowMs: number("VOBE_RATE_LIMIT_WINDOW_MS", defaultRateLimit.timeWindowMs),
          },
    breaker: { timeoutMs: number("VOBE_GATEWAY_TIMEOUT_MS", defaultBreaker.timeoutMs) },
    web: env.VOBE_WEB_ROOT === "off" ? false : { root: env.VOBE_WEB_ROOT || defaultWebRoot },
    redisUrl:
      env.VOBE_REDIS_URL === "off"
        ? false
        : env.VOBE_REDIS_URL || `redis://127.0.0.1:${stackConfig.ports.redis}`,
  };
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function checkedUrl(service: string, url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`VOBE_SERVICE_URL_${service.toUpperCase()}: expected an http(s) URL`);
  }
  return parsed.origin;
}

/** Whether this process registers a service's own routes. */
export function servesLocally(options: GatewayOptions, service: string): boolean {
  if (options.only) return (options.only as string[]).includes(service);
  return !isService(service) || !options.services?.[service];
}
