/**
 * Gateways over a read-test fixture (tests/support/api-read-app.ts): more apps on the same
 * prefixed catalog and views, with their own gateway options, a service alone on a port
 * (as `VOBE_API_ONLY=comment` runs it) in this process or, through serviceChildConfig, in a
 * child process (api-service-child.ts), a closed port, and a port that never answers.
 *
 *   const api = await startReadApi("gateway");
 *   const gw = await gatewayApp(api, { services: { comment: await closedPort() } });
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import { buildApp } from "../../api/app.ts";
import type { GatewayOptions, Service } from "../../api/gateway/index.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { type ReadApi, readJwtSecret } from "./api-read-app.ts";

export function gatewayApp(api: ReadApi, gateway: GatewayOptions) {
  return buildApp({
    endpoints: inject("endpoints"),
    topicPrefix: api.run.topicPrefix,
    jwtSecret: readJwtSecret,
    reads: { schemaPrefix: api.run.schemaPrefix, indexPrefix: api.run.indexPrefix },
    gateway,
    logger: process.env.VOBE_TEST_API_LOG ? { level: "error" } : false,
  });
}

/** An app that serves only these services, listening on a free port: its base URL. */
export async function serviceAlone(api: ReadApi, only: GatewayOptions["only"]) {
  const app = await gatewayApp(api, { ...(only ? { only } : {}) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** What tests/support/api-service-child.ts builds its app with (it cannot call inject). */
export interface ServiceChildConfig {
  endpoints: Endpoints;
  topicPrefix: string;
  schemaPrefix: string;
  indexPrefix: string;
  jwtSecret: string;
  only: Service[];
}

/** The child's first argument: the same placement as gatewayApp and serviceAlone. */
export function serviceChildConfig(api: ReadApi, only: Service[]): string {
  const config: ServiceChildConfig = {
    endpoints: inject("endpoints"),
    topicPrefix: api.run.topicPrefix,
    schemaPrefix: api.run.schemaPrefix,
    indexPrefix: api.run.indexPrefix,
    jwtSecret: readJwtSecret,
    only,
  };
  return JSON.stringify(config);
}

/** A URL on which nothing listens (connections are refused). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A server that accepts requests and never answers: a hung service. */
export async function silentServer(): Promise<{
  url: string;
  /** Requests that reached it: a caller that does not call shows as no change here. */
  requests(): number;
  close(): Promise<void>;
}> {
  let requests = 0;
  const server: Server = createServer(() => {
    requests++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
