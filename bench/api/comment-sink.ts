/**
 * The comment view's sink in a process of its own, as `vobe serve sinks` runs it, on a
 * bench's prefixed topics and schemas. Args: schema prefix, topic prefix. Prints
 * "running" once it follows the topics; stops on SIGTERM.
 */
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { commentView } from "../../sinks/postgres/comment/view.ts";
import { createSinkRuntime, serveSinks } from "../../sinks/runtime.ts";

const [schemaPrefix = "", topicPrefix = ""] = process.argv.slice(2);
const runtime = createSinkRuntime(endpointsFromEnv(), `vobe-bench-sink-${schemaPrefix}`);
const served = await serveSinks(runtime, [commentView], {
  schemaPrefix,
  topicPrefix,
  log: { info: () => {}, warn: (m) => console.error(m) },
});
console.log("running");
await new Promise<void>((resolve) => process.once("SIGTERM", resolve));
await served.stop();
await runtime.close();
