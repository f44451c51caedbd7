import type { Command } from "commander";
import { plainTable, say } from "../output.ts";
import { seconds } from "./stack.ts";

/**
 * `vobe connect up|status|down`: the Kafka Connect worker that copies domain topics into the
 * analytics database (docs/adr/035-kafka-connect.md). Opt-in: `vobe start` does not run it.
 */
export function registerConnectCommands(program: Command): void {
  const connect = program
    .command("connect")
    .description("Kafka Connect: copy domain topics into the analytics Postgres database");

  connect
    .command("up")
    .description(
      "start the Connect worker (and the stack it needs), apply the connectors of connect/kafka-connect/",
    )
    .option("--json", "print the connectors' states as JSON")
    .action(async (options: { json?: boolean }) => {
      const began = Date.now();
      const { provideEndpoints } = await import("../../stack/provide.ts");
      const { connectUp } = await import("../../connect/kafka-connect/worker.ts");
      const log = options.json ? () => {} : say;
      const { endpoints } = await provideEndpoints(log);
      const up = await connectUp({ endpoints, log });
      if (options.json) {
        say(JSON.stringify(up.connectors, null, 2));
        return;
      }
      printStatuses(up.connectors, await behindOf(up.url, up.connectors, endpoints.kafkaBrokers));
      say(
        `Kafka Connect ${up.started ? "started" : "was running"} at ${up.url}; connectors running in ${seconds(began)} s`,
      );
      say(`Analysts: psql -U vobe_analyst -d ${up.database} (docs/analysts.md)`);
    });

  connect
    .command("status")
    .description(
      "each connector and task: state, records still to copy, worker; exits 1 unless all run",
    )
    .option("--json", "print the states as JSON")
    .action(async (options: { json?: boolean }) => {
      const { connectUrl } = await import("../platform/consumers.ts");
      const { connectorStatuses, isRunning } = await import("../../connect/kafka-connect/rest.ts");
      // The same worker `vobe lag` and the console ask: VOBE_CONNECT_URL, else the stack's.
      const url = connectUrl();
      const statuses = await connectorStatuses(url).catch((error: Error) => {
        throw new Error(
          `no Kafka Connect worker answers at ${url} (${error.message}); start it with: ./vobe connect up`,
        );
      });
      const behind = await behindOf(url, statuses);
      if (options.json) {
        say(
          JSON.stringify(
            statuses.map((s) => ({ ...s, recordsBehind: behind?.get(s.name)?.toString() })),
            null,
            2,
          ),
        );
      } else printStatuses(statuses, behind);
      if (statuses.length === 0 || !statuses.every(isRunning)) process.exitCode = 1;
    });

  connect
    .command("down")
    .description("stop the Connect worker (connectors and their positions stay in Kafka)")
    .action(async () => {
      const { connectDown } = await import("../../connect/kafka-connect/worker.ts");
      say((await connectDown()) ? "connect: stopped" : "connect: was not running");
    });
}

type Statuses = Awaited<
  ReturnType<typeof import("../../connect/kafka-connect/rest.ts").connectorStatuses>
>;

/** Records each connector has still to copy; undefined when the broker does not answer. */
async function behindOf(
  url: string,
  statuses: Statuses,
  brokers?: string[],
): Promise<Map<string, bigint> | undefined> {
  const { connectorTopics, recordsBehind } = await import("../../connect/kafka-connect/rest.ts");
  const { endpointsFromEnv } = await import("../../platform/config/endpoints.ts");
  return recordsBehind(
    brokers ?? endpointsFromEnv().kafkaBrokers,
    await connectorTopics(url, statuses),
  ).catch(() => undefined);
}

function printStatuses(statuses: Statuses, behind?: Map<string, bigint>): void {
  const table = plainTable([
    "connector",
    "state",
    "behind",
    "task",
    "task state",
    "worker",
    "error",
  ]);
  const recordsBehind = (name: string) => behind?.get(name)?.toLocaleString("en-US") ?? "?";
  for (const s of statuses) {
    const firstLine = (trace?: string) => (trace ? (trace.split("\n")[0] ?? "").slice(0, 100) : "");
    if (s.tasks.length === 0) {
      table.push([
        s.name,
        s.connector.state,
        recordsBehind(s.name),
        "-",
        "-",
        s.connector.worker_id,
        firstLine(s.connector.trace),
      ]);
    }
    for (const t of s.tasks) {
      table.push([
        s.name,
        s.connector.state,
        recordsBehind(s.name),
        String(t.id),
        t.state,
        t.worker_id,
        firstLine(t.trace ?? s.connector.trace),
      ]);
    }
  }
  say(statuses.length === 0 ? "no connectors" : table.toString());
}
