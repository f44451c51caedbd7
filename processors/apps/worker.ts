/**
 * One application in its own worker thread (its own event loop and heap): builds the
 * app, starts it, and answers the supervisor's heartbeats (status), scrapes (metrics)
 * and stop. A heartbeat it cannot answer is how the supervisor learns that this
 * thread's loop is blocked (docs/adr/017-processor-isolation.md).
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { addStackHome } from "../../platform/config/kafka-credentials.ts";
import { createLogger, useProcessLogger } from "../../platform/telemetry/log.ts";
import { startTracing, stopTracing } from "../../platform/telemetry/tracing.ts";
import { createProcessorApp, type ProcessorApp } from "./app.ts";
import { type AppProbe, type ProbeStatus, probeApp } from "./app-probe.ts";
import type { FromWorker, ToWorker, WorkerInput } from "./protocol.ts";

if (isMainThread || !parentPort) throw new Error("processors/apps/worker.ts runs in a worker");
const port = parentPort;
const { name, options, stackHomes } = workerData as WorkerInput;
// The main thread's clients find a private stack's broker credentials there; so must ours.
for (const home of stackHomes ?? []) addStackHome(home);
const post = (message: FromWorker) => port.postMessage(message);
// A thread has its own globals: its spans need their own exporter (off without an endpoint).
startTracing(`vobe-processors-${name}`);
// And its own logger: the engine's lines in this thread (which name their application) say
// `processors`, like the main thread's.
useProcessLogger(createLogger("processors"));

let processor: ProcessorApp | undefined;
let probe: AppProbe | undefined;
let starting: Promise<void> | undefined;
let stopping = false;

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "status":
      // Answered before the app exists too: an unanswered heartbeat means a blocked loop.
      (probe?.status() ?? Promise.resolve(loading())).then(
        (status) => post({ type: "status", id: message.id, status }),
        () => post({ type: "status", id: message.id, status: loading() }),
      );
      return;
    case "metrics":
      (probe?.metrics() ?? Promise.resolve([])).then(
        (metrics) => post({ type: "metrics", id: message.id, metrics }),
        () => post({ type: "metrics", id: message.id, metrics: [] }),
      );
      return;
    case "stop":
      void stop();
      return;
  }
});

function loading(): ProbeStatus {
  return {
    state: "starting",
    lagRecords: 0,
    processedRecords: 0,
    heapUsedBytes: process.memoryUsage().heapUsed,
  };
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  // StreamsApp.stop() does nothing before start() has joined the group: wait for it.
  await starting?.catch(() => {});
  await processor?.app.stop().catch(() => {});
  probe?.close();
  await stopTracing().catch(() => {});
  port.close();
  process.exit(code);
}

try {
  processor = await createProcessorApp(name, options);
  probe = probeApp(processor.app);
  processor.app.onStateChange((state, error) => {
    post({ type: "state", state, ...(error ? { error: error.message } : {}) });
    // A failed app has stopped processing but still holds its clients: close them and
    // end the thread, so the supervisor starts a fresh one (after a back-off).
    if (state === "error") void stop(1);
  });
  const restoring = new Set<string>();
  processor.app.onRestore(({ task, store, restored, total, done }) => {
    // Told twice per store (begun, done), not per fetch: the supervisor logs them.
    const key = `${task}/${store}`;
    if (total > 0 && (done || !restoring.has(key)))
      post({ type: "restore", task, store, restored, total, done });
    if (done) restoring.delete(key);
    else restoring.add(key);
  });
  if (!stopping) {
    starting = processor.app.start();
    await starting;
  }
} catch (error) {
  post({ type: "failed", error: (error as Error).message });
  await processor?.app.stop().catch(() => {});
  port.close();
  process.exit(1);
}
