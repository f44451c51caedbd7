/**
 * Builds the API: one Fastify plugin per service under /api/<service> (its commands, and
 * reads from its own view), every route with JSON schemas (validation, serialization and
 * the OpenAPI document at /api/openapi.json come from the same declaration).
 *
 *   const app = await buildApp({ endpoints });                      // the real topics
 *   const app = await buildApp({ endpoints, topicPrefix: "test.x." }); // a prefixed catalog (tests)
 *   const app = await buildApp({ endpoints, gateway: { services: { comment: url } } }); // api/gateway
 *   await app.listen({ port: 8080 }); … await app.close();          // close() releases Kafka clients
 */
import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from "@fastify/type-provider-typebox";
import Fastify, { type FastifyServerOptions } from "fastify";
import type { Endpoints } from "../platform/config/endpoints.ts";
import { databaseUrlFor } from "../platform/config/endpoints.ts";
import { createAdmin, createFetcher, createProducer } from "../platform/kafka/index.ts";
import { createKeyStore } from "../platform/pii/key-store.ts";
import { createPool } from "../platform/postgres/pool.ts";
import { registryApi } from "../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import { createEventProducer } from "../producers/index.ts";
import artistPlugin from "./artist/plugin.ts";
import { createAccountLiveness } from "./auth/liveness.ts";
import authPlugin from "./auth/plugin.ts";
import chatPlugin from "./chat/plugin.ts";
import commentPlugin from "./comment/plugin.ts";
import contentPlugin from "./content/plugin.ts";
import type { ApiContext, PluginOptions } from "./context.ts";
import { createAtomicWriter } from "./events/atomic.ts";
import { eventTypes } from "./events/event-types.ts";
import feedbackPlugin from "./feedback/plugin.ts";
import {
  type GatewayOptions,
  registerEdge,
  registerGateway,
  type Service,
  servesLocally,
} from "./gateway/index.ts";
import { remoteDocs } from "./gateway/openapi.ts";
import { createAuth, jwtSecretFromEnv } from "./http/auth.ts";
import { frameworkErrors, installErrorHandler } from "./http/error-handler.ts";
import { clientErrorHandler, installUrlLimit, maxHeaderBytes } from "./http/limits.ts";
import { installHttpMetrics } from "./http/metrics.ts";
import { requestId } from "./http/request-context.ts";
import { installTextChecks, textKeyword } from "./http/text.ts";
import { installTracing } from "./http/tracing.ts";
import listeningPlugin from "./listening/plugin.ts";
import { liveRoutes } from "./live/index.ts";
import {
  createSharedLiveFollower,
  defaultLivePrefix,
  type SharedLiveFollower,
} from "./live/shared.ts";
import opsPlugin from "./ops/plugin.ts";
import { createReadContext } from "./read/context.ts";
import type { ReadPlacement } from "./read/views.ts";
import searchPlugin from "./search/plugin.ts";
import { createSharedViews } from "./state/shared-views.ts";
import type { ViewSource } from "./state/topic-view.ts";

/** One plugin per service (docs/adr/001): its commands and its reads, under /api/<service>. */
const servicePlugins: Record<Service, FastifyPluginAsyncTypebox<PluginOptions>> = {
  auth: authPlugin,
  artist: artistPlugin,
  content: contentPlugin,
  comment: commentPlugin,
  feedback: feedbackPlugin,
  listening: listeningPlugin,
  chat: chatPlugin,
  search: searchPlugin,
};

export interface AppOptions {
  endpoints: Endpoints;
  /** Put in front of every topic (and subject): tests use a prefixed catalog. */
  topicPrefix?: string;
  jwtSecret?: string;
  jwtTtlSeconds?: number;
  logger?: FastifyServerOptions["logger"];
  /** Where the read routes find the views (tests: their own schemas and index aliases). */
  reads?: ReadPlacement;
  /**
   * Remote services, `only`, CORS origins, rate limits, breakers (docs/adr/013-gateway.md).
   * Default: every service in this process, rate limits off (server.ts reads the env).
   */
  gateway?: GatewayOptions;
}

/** How long a command's write waits for a broker before it answers 503. */
export const commandDeliveryTimeoutMs = 5_000;

/** Commands are small; 413 beyond this. The plays batch route allows more (500 plays). */
export const bodyLimit = 64 * 1024;

export async function buildApp(options: AppOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    genReqId: requestId,
    requestIdHeader: false,
    // One name for the request id in every process's log lines (docs/adr/031).
    requestIdLogLabel: "requestId",
    frameworkErrors,
    // 414 and 431 in the usual error shape (api/http/limits.ts), not Node's bare status line.
    http: { maxHeaderSize: maxHeaderBytes },
    clientErrorHandler,
    ajv: {
      // Unknown fields are refused, not silently dropped; types are not coerced; every
      // problem of a body is reported at once.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true },
      // Names and texts: NFC, visible, no bidi overrides (api/http/text.ts).
      plugins: [textKeyword],
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest("user", null);
  // Commands are JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser("text/plain");
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  installTracing(app);
  installErrorHandler(app);
  installHttpMetrics(app);
  installUrlLimit(app);
  installTextChecks(app);
  const gateway = options.gateway ?? {};
  // Made below, once the context is: health reads it from then on.
  let sharedLive: SharedLiveFollower | undefined;
  const clients = await registerEdge(app, gateway, () => sharedLive);

  const ctx = createContext(options, app.log);
  // Schema ids are looked up now: a catalog that was never applied fails at start-up.
  await ctx.events.prepare(Object.values(ctx.types));
  app.addHook("onClose", async () => {
    await ctx.views.close();
    await ctx.auth.close();
    await ctx.atomic.writer.close();
    await ctx.closeClients();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: "VobeMusic API", version: "1.0.0" },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
  });
  // Services that run elsewhere bring their paths from their own document.
  const docs = remoteDocs(gateway);
  await app.register(swaggerUi, {
    routePrefix: "/api/docs",
    transformSpecification: (doc) => docs.mergeCached(doc),
  });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => docs.merge(app.swagger()));

  const reads = createReadContext({
    ctx,
    endpoints: options.endpoints,
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    ...(options.reads ? { placement: options.reads } : {}),
  });
  app.addHook("onClose", async () => reads.close());
  // Fastify's encapsulation does the rest: a service not served here has no routes here.
  for (const [service, plugin] of Object.entries(servicePlugins)) {
    if (servesLocally(gateway, service)) {
      await app.register(plugin, { prefix: `/api/${service}`, ctx, reads });
    }
  }
  // The operator console belongs to the gateway (one per platform), not to a service.
  if (!gateway.only) {
    await app.register(opsPlugin, {
      prefix: "/api/ops",
      endpoints: options.endpoints,
      auth: ctx.auth,
      decode: ctx.viewSource.decode,
      ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
      ...(options.reads?.schemaPrefix ? { schemaPrefix: options.reads.schemaPrefix } : {}),
    });
  }
  await registerGateway(app, gateway, clients);
  // Several instances share one reading of the live topics through Redis (ADR-032's
  // amendment); without Redis each follows them itself.
  if (gateway.redisUrl) {
    const live = createSharedLiveFollower({
      source: ctx.viewSource,
      redisUrl: gateway.redisUrl,
      keyPrefix: gateway.redisKeyPrefix ? `${gateway.redisKeyPrefix}live:` : defaultLivePrefix,
      ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    });
    sharedLive = live;
    app.addHook("onClose", async () => live.close());
  }
  await app.register(liveRoutes, {
    prefix: "/api/live",
    source: ctx.viewSource,
    ...(sharedLive ? { follower: sharedLive } : {}),
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
  });
  await app.ready();
  return app;
}

function createContext(
  options: AppOptions,
  log: ViewSource["log"],
): ApiContext & { closeClients(): Promise<void> } {
  const brokers = options.endpoints.kafkaBrokers;
  const types = eventTypes(options.topicPrefix);
  const lookup = registryApi(options.endpoints.schemaRegistryUrl);
  const registry = createSchemaRegistry(options.endpoints.schemaRegistryUrl);
  // A command's caller waits: without a broker it gets a 503 in bounded time, not a hang.
  const producer = createProducer({
    brokers,
    clientId: "vobe-api",
    deliveryTimeoutMs: commandDeliveryTimeoutMs,
  });
  // A fresh transactional id per process: API instances never fence each other, and a
  // crashed instance's open transaction is aborted by the broker's timeout.
  const transactional = createProducer({
    brokers,
    clientId: "vobe-api-atomic",
    transactionalId: `vobe-api-${randomUUID()}`,
    restartAfterRefusedSend: true,
    deliveryTimeoutMs: commandDeliveryTimeoutMs,
  });
  const writer = createAtomicWriter(transactional);
  const admin = createAdmin({ brokers, clientId: "vobe-api-admin" });
  // The auth service's key store lives in its database, outside the views (docs/adr/019).
  const keys = createKeyStore(createPool(databaseUrlFor(options.endpoints, "auth"), 2));
  const viewSource: ViewSource = {
    admin,
    fetcher: (clientId) => createFetcher({ brokers, clientId }),
    decode: (value) => registry.decode(value),
    ...(log ? { log } : {}),
  };
  return {
    types,
    events: createEventProducer({ producer, registry: lookup }),
    atomic: {
      writer,
      producer: writer.producer,
      events: createEventProducer({ producer: writer.producer, registry: lookup }),
    },
    auth: createAuth({
      secret: options.jwtSecret ?? jwtSecretFromEnv(),
      ...(options.jwtTtlSeconds ? { ttlSeconds: options.jwtTtlSeconds } : {}),
      // Every process follows auth.users: an erasure on any instance revokes here too.
      accounts: createAccountLiveness(viewSource, types),
    }),
    views: createSharedViews(viewSource, types),
    viewSource,
    keys,
    async closeClients() {
      await keys.close();
      await producer.close();
      await admin.close();
    },
  };
}
