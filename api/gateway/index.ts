/**
 * The gateway (docs/adr/013-gateway.md): one origin for the web app. Around the service
 * plugins it adds security headers, CORS, rate limits, the forwarding of services that run
 * in other processes, and the compositions (GET /api/content/posts/:id/detail).
 *
 *   await registerEdge(app, options);       // before the service plugins: hooks apply to all
 *   …register the local services, filtered by servesLocally(options, service)…
 *   await registerGateway(app, options);    // proxies and compositions
 */
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import { createClients, internalHeader, type ServiceClients } from "./clients.ts";
import {
  defaultCorsOrigins,
  defaultRateLimit,
  type GatewayOptions,
  servesLocally,
  services,
} from "./config.ts";
import detailRoutes from "./detail.ts";
import { type LiveHealthSource, registerHealth } from "./health.ts";
import proxyRoutes from "./proxy.ts";
import { createSharedLimits } from "./shared-limits.ts";
import webRoutes from "./web.ts";

export type { GatewayOptions, Service } from "./config.ts";
export { gatewayOptionsFromEnv, servesLocally } from "./config.ts";

const authRoutes = new Set(["/api/auth/login", "/api/auth/signup"]);

/** Security headers, CORS and rate limits: registered before every route. */
export async function registerEdge(
  app: FastifyInstance,
  options: GatewayOptions,
  /** The live updates' state for health, once the app has made them (api/live/shared.ts). */
  live?: LiveHealthSource,
): Promise<ServiceClients> {
  const clients = createClients(app, options);
  app.addHook("onClose", async () => clients.close());

  await app.register(helmet, {
    // The API answers JSON; the only HTML is the Swagger UI, served from 'self' with its
    // own inline styles (helmet's default style-src allows 'unsafe-inline').
    contentSecurityPolicy: {
      directives: { "img-src": ["'self'", "data:", "validator.swagger.io"] },
    },
    // The web app on another dev origin reads the answers through CORS.
    crossOriginResourcePolicy: { policy: "same-site" },
  });
  if (options.only) return clients; // a service behind a gateway: the gateway does the rest

  await app.register(cors, {
    origin: options.corsOrigins ?? defaultCorsOrigins,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["authorization", "content-type", "x-request-id", "traceparent"],
    exposedHeaders: [
      "x-request-id",
      "retry-after",
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
    ],
    maxAge: 600,
  });

  const shared =
    options.rateLimit && options.redisUrl
      ? createSharedLimits(options.redisUrl, options.redisKeyPrefix)
      : undefined;
  if (shared) app.addHook("onClose", async () => shared.close());
  registerHealth(app, options, shared, live);

  if (options.rateLimit !== false && options.rateLimit !== undefined) {
    const limits = { ...defaultRateLimit, ...options.rateLimit };
    const isAuth = (request: { method: string; url: string }) =>
      request.method === "POST" && authRoutes.has(pathOf(request.url));
    await app.register(rateLimit, {
      global: true,
      timeWindow: limits.timeWindowMs,
      // login and sign-up have their own, smaller buckets per IP.
      max: (request) => (isAuth(request) ? limits.authMax : limits.max),
      keyGenerator: (request) =>
        isAuth(request) ? `${request.ip}|${pathOf(request.url)}` : request.ip,
      // The gateway's own in-process calls are part of a request already counted. The web
      // app's files are not the API: a service worker fetching the shell (70 files) in one go
      // must not spend a person's budget of API calls.
      // Health is asked by probes and monitors (a kubelet asks every few seconds from one
      // address): limited, it would report a serving instance as down.
      allowList: (request) =>
        request.headers[internalHeader] === clients.internalToken ||
        !isApiPath(pathOf(request.url)) ||
        pathOf(request.url) === "/api/health",
      // Counted in Redis by every instance together; by this one alone while Redis is away.
      ...(shared ? { store: shared.Store } : {}),
    });
  }
  return clients;
}

/** The forwarding of remote services and the compositions: after the local services. */
export async function registerGateway(
  app: FastifyInstance,
  options: GatewayOptions,
  clients: ServiceClients,
): Promise<void> {
  if (options.only) return;
  for (const service of services) {
    const base = options.services?.[service];
    if (!base || servesLocally(options, service)) continue;
    await app.register(proxyRoutes, {
      service,
      base,
      timeoutMs: options.proxyTimeoutMs ?? 15_000,
    });
  }
  await app.register(detailRoutes, { clients });
  if (options.web) await app.register(webRoutes, options.web);
}

const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/");

const pathOf = (url: string) => {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
};
