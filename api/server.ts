/**
 * Runs the write API until SIGINT/SIGTERM. VOBE_API_PORT (default 8080), VOBE_API_HOST
 * (default 127.0.0.1: not exposed beyond this machine unless asked). The gateway's settings
 * (remote services, VOBE_API_ONLY, CORS, rate limits) come from the env: see
 * gatewayOptionsFromEnv in api/gateway/config.ts.
 *
 *   const server = await startServer({ endpoints });   // resolves once listening
 *   await server.close();
 */
import type { Endpoints } from "../platform/config/endpoints.ts";
import { loggerOptions } from "../platform/telemetry/log.ts";
import { startTracing, stopTracing } from "../platform/telemetry/tracing.ts";
import { buildApp } from "./app.ts";
import { gatewayOptionsFromEnv } from "./gateway/index.ts";

export async function startServer(options: { endpoints: Endpoints; port?: number; host?: string }) {
  const app = await buildApp({
    endpoints: options.endpoints,
    gateway: gatewayOptionsFromEnv(process.env),
    logger: loggerOptions("api"),
  });
  const port = options.port ?? Number(process.env.VOBE_API_PORT ?? 8080);
  const host = options.host ?? process.env.VOBE_API_HOST ?? "127.0.0.1";
  await app.listen({ port, host });
  return app;
}

/** Runs in the foreground and closes the Kafka clients on a signal. */
export async function runServer(endpoints: Endpoints): Promise<void> {
  startTracing("vobe-api");
  const app = await startServer({ endpoints });
  await new Promise<void>((resolve) => {
    const stop = () => {
      app.log.info("stopping");
      app.close().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await stopTracing().catch(() => {});
}
