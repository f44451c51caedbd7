// The processors in a process of their own, as `vobe serve processors --prefix` runs them
// (one worker thread per app, /health and /metrics on the main thread), with the engine's
// config from the bench (record cache size, commit interval), which the CLI does not take.
//   node --import tsx bench/end-to-end/processors-child.ts '<json: ServeOptions>'
// JSON lines on stdout: {"event":"running","port":…} once every app runs, {"event":"stopped"}
// after a SIGTERM stopped them.
import { silentLogger } from "../../processors/apps/log.ts";
import { type ServeOptions, serveProcessors } from "../../processors/apps/serve.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as ServeOptions;
const emit = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);

const served = await serveProcessors({ ...options, port: 0, log: silentLogger });
process.once("SIGTERM", () => {
  void served.stop().then(() => {
    emit("stopped");
    process.exit(0);
  });
});
for (;;) {
  const { apps } = served.running.health();
  const failed = apps.find((a) => a.state === "error");
  if (failed) {
    emit("error", { message: `${failed.application}: ${failed.reason}` });
    process.exit(1);
  }
  if (apps.every((a) => a.state === "running")) break;
  await new Promise((r) => setTimeout(r, 50));
}
emit("running", { port: served.port });
