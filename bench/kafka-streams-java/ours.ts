// Our side of bench/kafka-streams-java: the same count topology as CountPlays.java, on our
// engine, in a process of its own (as the JVM is), so the driver's output check costs both
// sides the same. Started by run.ts as
//   node --import tsx ours.ts '<json: brokers, applicationId, input, output, guarantee,
//                               commitIntervalMs, cacheMaxBytes, stateDir>'
// and speaks JSON lines on stdout: {"event":"running"} once start() resolved (group joined,
// tasks created, the loop running), {"event":"stopped"} after stop(). SIGTERM stops it.
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";

interface OursArgs {
  brokers: string[];
  applicationId: string;
  input: string;
  output: string;
  guarantee: "at_least_once" | "exactly_once";
  commitIntervalMs: number;
  cacheMaxBytes: number;
  stateDir: string;
}

const args = JSON.parse(process.argv[2] ?? "{}") as OursArgs;
const emit = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

const builder = new StreamsBuilder();
builder
  .stream<string, Buffer>(args.input, { keySerde: Serdes.string(), valueSerde: Serdes.bytes() })
  .groupByKey()
  // In-memory, cached (the DSL's default), as Stores.inMemoryKeyValueStore + caching in Java.
  .count({ name: "plays-per-track", persistent: false, caching: true })
  .toStream()
  .to(args.output, { keySerde: Serdes.string(), valueSerde: Serdes.long() });

const app = new StreamsApp(builder.build(), {
  applicationId: args.applicationId,
  brokers: args.brokers,
  processingGuarantee: args.guarantee,
  commitIntervalMs: args.commitIntervalMs,
  cacheMaxBytes: args.cacheMaxBytes,
  stateDir: args.stateDir,
  instanceId: "bench",
});
app.onStateChange((state, error) => {
  if (state === "error") {
    emit("error", { message: String(error?.message ?? error) });
    process.exitCode = 1;
  }
});

process.once("SIGTERM", () => {
  void app.stop().then(() => {
    emit("stopped");
    process.exit();
  });
});

await app.start();
emit("running");
