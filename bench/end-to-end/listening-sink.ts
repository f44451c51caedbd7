// The listening view's sink in a process of its own, as `vobe serve sinks` runs it, on a
// bench's prefixed topics and schemas.
//   node --import tsx bench/end-to-end/listening-sink.ts <schema prefix> <topic prefix>
// JSON lines on stdout: {"event":"running"} once it follows the topics, then its counters
// every second ({"event":"stats","batches":…,"applied":…}); stops on SIGTERM.
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { createSinkRuntime, serveSinks } from "../../sinks/runtime.ts";

const [schemaPrefix = "", topicPrefix = ""] = process.argv.slice(2);
const emit = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);
const runtime = createSinkRuntime(endpointsFromEnv(), `vobe-bench-sink-${schemaPrefix}`);
const served = await serveSinks(runtime, [listeningView], {
  schemaPrefix,
  topicPrefix,
  log: { info: () => {}, warn: (m) => console.error(m) },
});
emit("running");
const report = () => {
  for (const sink of served.sinks()) emit("stats", { at: Date.now(), ...sink.stats() });
};
const timer = setInterval(report, 1_000);
await new Promise<void>((resolve) => process.once("SIGTERM", resolve));
clearInterval(timer);
report();
await served.stop();
await runtime.close();
emit("stopped");
