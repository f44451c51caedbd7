/**
 * A sink process for the crash tests: runs the listening view under a test's prefixes
 * until killed. Args: endpoints as JSON, schema prefix, topic prefix, and optionally a port
 * for its /health (as `vobe serve sinks` has). Logs go to stderr.
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { createSinkRuntime, serveSinks } from "../../sinks/runtime.ts";
import { serveHealth } from "../../sinks/serve.ts";

const [endpointsJson, schemaPrefix, topicPrefix, healthPort] = process.argv.slice(2);
const endpoints = JSON.parse(endpointsJson as string) as Endpoints;
const runtime = createSinkRuntime(endpoints, "vobe-tests-sink-child");
const served = await serveSinks(runtime, [listeningView], {
  schemaPrefix: schemaPrefix as string,
  topicPrefix: topicPrefix as string,
  maxWaitMs: 50,
  log: { info: (m) => console.error(m), warn: (m) => console.error(m) },
});
if (healthPort) await serveHealth(served, Number(healthPort));
console.log("running");
