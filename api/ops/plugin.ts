/**
 * /api/ops: the operator console's routes (docs/adr/029-operator-console.md), for admins and
 * operators only. Every route reads or acts through the modules the `vobe` CLI uses
 * (ops/): lag and view versions, topics and their records, dead letters, the audit trail.
 * Served by the gateway process, never by a service behind it.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { brokerErrorNames } from "../../platform/kafka/index.ts";
import type { Auth } from "../http/auth.ts";
import { unavailable } from "../http/errors.ts";
import auditRoutes from "./audit.ts";
import { type OpsClients, opsClients } from "./clients.ts";
import deadLetterRoutes from "./dead-letters.ts";
import lagRoutes from "./lag.ts";
import registryRoutes from "./registry.ts";
import topicRoutes from "./topics.ts";
import topologyRoutes from "./topologies.ts";
import viewCommandRoutes from "./view-commands.ts";

export interface OpsOptions {
  endpoints: Endpoints;
  auth: Auth;
  decode(value: Buffer): Promise<unknown>;
  /** A prefixed catalog's (tests): its topics, its dead letters, its audit trail. */
  topicPrefix?: string;
  /** The views' Postgres schema prefix (tests). */
  schemaPrefix?: string;
}

export interface OpsPluginOptions extends OpsOptions {
  clients(): OpsClients;
}

const opsPlugin: FastifyPluginAsyncTypebox<OpsOptions> = async (app, options) => {
  const clients = opsClients(options.endpoints);
  let used = false;
  // Not `...options`: that holds this plugin's own prefix, which the routes would add again.
  const shared: OpsPluginOptions = {
    endpoints: options.endpoints,
    auth: options.auth,
    decode: options.decode,
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    ...(options.schemaPrefix ? { schemaPrefix: options.schemaPrefix } : {}),
    clients: () => {
      used = true;
      return clients();
    },
  };
  app.addHook("onRequest", options.auth.require("admin", "operator"));
  // A console whose principal lacks the rights says so, instead of a bare 500.
  app.setErrorHandler((error) => {
    const names = brokerErrorNames(error);
    if (names.some((n) => n.endsWith("_AUTHORIZATION_FAILED"))) {
      throw unavailable(
        "ops_not_authorized",
        `the console's Kafka principal may not do this (${[...new Set(names)].join(", ")}): it must be the operators' (VOBE_OPS_KAFKA_PRINCIPAL)`,
      );
    }
    throw error;
  });
  app.addHook("onClose", async () => {
    if (used) await clients().close();
  });
  await app.register(lagRoutes, shared);
  await app.register(topicRoutes, shared);
  await app.register(deadLetterRoutes, shared);
  await app.register(auditRoutes, shared);
  await app.register(viewCommandRoutes, shared);
  await app.register(registryRoutes, shared);
  await app.register(topologyRoutes, shared);
};

export default opsPlugin;
