// Our side of bench/kafka-streams-java: the same count topology as CountPlays.java, on our
// engine, in a process of its own (as the JVM is), so the driver's output check costs both
// sides the same. Like CountPlays, a host for one application at a time, driven over stdin
// by run.ts with one JSON command a line:
//   {"cmd":"start","brokers":[…],"applicationId":…,"input":…,"output":…,"guarantee":…,
//    "commitIntervalMs":…,"cacheMaxBytes":…,"stateDir":…}
//   {"cmd":"stop"}
// It answers in JSON lines on stdout: {"event":"running"} once start() resolved (group
// joined, tasks created, the loop running), {"event":"stopped"} after stop(),
// {"event":"error"} if the app fails. End of stdin or SIGTERM stops it and exits.
import { createInterface } from "node:readline";
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";

interface Start {
  cmd: "start";
  brokers: string[];
  applicationId: string;
  input: string;
  output: string;
  guarantee: "at_least_once" | "exactly_once";
  commitIntervalMs: number;
  cacheMaxBytes: number;
  stateDir: string;
}

const emit = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

function countApp(args: Start): StreamsApp {
  const builder = new StreamsBuilder();
  builder
    .stream<string, Buffer>(args.input, { keySerde: Serdes.string(), valueSerde: Serdes.bytes() })
    .groupByKey()
    // In-memory and cached (the DSL's default), as Stores.inMemoryKeyValueStore with caching.
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
    if (state === "error") emit("error", { message: String(error?.message ?? error) });
  });
  return app;
}

let current: StreamsApp | undefined;
const stopCurrent = async () => {
  const app = current;
  current = undefined;
  await app?.stop();
};
const exit = () => void stopCurrent().finally(() => process.exit());
process.once("SIGTERM", exit);

// Commands one after another: a stop waits for the start before it.
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const command = JSON.parse(line) as Start | { cmd: "stop" };
    queue = queue
      .then(async () => {
        if (command.cmd === "start") {
          await stopCurrent();
          current = countApp(command);
          await current.start();
          emit("running");
        } else {
          await stopCurrent();
          emit("stopped");
        }
      })
      .catch((error: unknown) => {
        emit("error", { message: String((error as Error)?.message) });
      });
  })
  .on("close", () => void queue.finally(exit));
