/**
 * A sink process for the crash tests: runs the listening view under a test's prefixes
 * until killed. Args: endpoints as JSON, schema prefix, topic prefix.
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { createSinkRuntime, serveSinks } from "../../sinks/runtime.ts";

const [endpointsJson, schemaPrefix, topicPrefix] = process.argv.slice(2);
const endpoints = JSON.parse(endpointsJson as string) as Endpoints;
const runtime = createSinkRuntime(endpoints, "vobe-tests-sink-child");
await serveSinks(runtime, [listeningView], {
  schemaPrefix: schemaPrefix as string,
  topicPrefix: topicPrefix as string,
  maxWaitMs: 50,
  log: { info: () => {}, warn: (m) => console.error(m) },
});
console.log("running");
