/**
 * A service alone in its own process, for the gateway tests that stop it: the app built
 * with `gateway: { only }` on a test's prefixed topics and views (as serviceAlone in
 * api-gateway-app.ts builds it in-process), listening on the given port. Prints
 * "listening" when ready; SIGTERM closes it (Fastify's graceful close) and exits 0.
 * Args: the ServiceChildConfig as JSON (serviceChildConfig() makes it), the port.
 *
 * It is a plain script, not a test module: it cannot read vitest's provided endpoints,
 * so everything comes in the arguments.
 */
import { buildApp } from "../../api/app.ts";
import type { ServiceChildConfig } from "./api-gateway-app.ts";

const [configJson, portArg] = process.argv.slice(2);
const config = JSON.parse(configJson as string) as ServiceChildConfig;
const app = await buildApp({
  endpoints: config.endpoints,
  topicPrefix: config.topicPrefix,
  jwtSecret: config.jwtSecret,
  reads: { schemaPrefix: config.schemaPrefix, indexPrefix: config.indexPrefix },
  gateway: { only: config.only },
  // stdout carries the "listening" line the parent waits for.
  logger: process.env.VOBE_TEST_API_LOG ? { level: "error", stream: process.stderr } : false,
});
process.once("SIGTERM", () => {
  app.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
await app.listen({ port: Number(portArg), host: "127.0.0.1" });
console.log("listening");
