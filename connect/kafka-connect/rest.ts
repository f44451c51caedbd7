/**
 * The few calls of Kafka Connect's REST API that `vobe connect` needs: apply a connector's
 * config (PUT is create-or-update, so applying twice changes nothing), read every
 * connector's state and its tasks', delete one.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface TaskState {
  id: number;
  state: string;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  type: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: TaskState[];
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) {
    const message = text ? ((JSON.parse(text) as { message?: string }).message ?? text) : "";
    throw new Error(`Kafka Connect ${method} ${path}: ${response.status} ${message}`);
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * Creates or updates a connector; true when it changed. The same config again is not sent:
 * Connect would store it anew and restart the connector and its tasks for nothing.
 */
export async function putConnector(
  base: string,
  name: string,
  config: Record<string, string>,
): Promise<boolean> {
  const current = (await call(base, "GET", `/connectors/${encodeURIComponent(name)}/config`).catch(
    () => undefined,
  )) as Record<string, string> | undefined;
  if (current && sameConfig(current, { ...config, name })) return false;
  // Right after a start the worker may still be rebalancing (409): asked again, bounded.
  for (let attempt = 1; ; attempt++) {
    try {
      await call(base, "PUT", `/connectors/${encodeURIComponent(name)}/config`, config);
      return true;
    } catch (error) {
      if (attempt >= 20 || !/: 409 /.test((error as Error).message)) throw error;
      await sleep(500);
    }
  }
}

function sameConfig(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

export async function deleteConnector(base: string, name: string): Promise<void> {
  await call(base, "DELETE", `/connectors/${encodeURIComponent(name)}`);
}

export async function connectorStatuses(base: string): Promise<ConnectorStatus[]> {
  const body = (await call(base, "GET", "/connectors?expand=status")) as Record<
    string,
    { status: ConnectorStatus }
  >;
  return Object.values(body)
    .map((c) => c.status)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Running: the connector and every one of its tasks (a sink with no task yet is not). */
export function isRunning(status: ConnectorStatus): boolean {
  return (
    status.connector.state === "RUNNING" &&
    status.tasks.length > 0 &&
    status.tasks.every((t) => t.state === "RUNNING")
  );
}

/** Waits until each of `names` runs; fails at once with the trace of a failed one. */
export async function waitRunning(
  base: string,
  names: readonly string[],
  timeoutMs = 120_000,
): Promise<ConnectorStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await connectorStatuses(base).catch(() => []);
    const wanted = all.filter((s) => names.includes(s.name));
    const failed = wanted.find(
      (s) => s.connector.state === "FAILED" || s.tasks.some((t) => t.state === "FAILED"),
    );
    if (failed) {
      const trace = failed.connector.trace ?? failed.tasks.find((t) => t.trace)?.trace ?? "";
      throw new Error(
        `connector ${failed.name} failed: ${trace.split("\n").slice(0, 3).join(" ")}`,
      );
    }
    if (wanted.length === names.length && wanted.every(isRunning)) return wanted;
    if (Date.now() > deadline) {
      throw new Error(
        `connectors not running after ${timeoutMs / 1000} s: ${names.filter((n) => !wanted.some((s) => s.name === n && isRunning(s))).join(", ")}`,
      );
    }
    await sleep(500);
  }
}

/**
 * How many committed records each sink connector has still to copy: its topics' ends
 * (read_committed) minus the positions its consumer group (`connect-<name>`) committed.
 */
export async function recordsBehind(
  brokers: string[],
  connectors: ReadonlyArray<{ name: string; topics: readonly string[] }>,
): Promise<Map<string, bigint>> {
  // Imported here: `vobe connect status` without a broker still lists the connectors.
  const { createAdmin } = await import("../../platform/kafka/index.ts");
  const admin = createAdmin({ brokers, clientId: "vobe-connect-status" });
  const behind = new Map<string, bigint>();
  try {
    for (const { name, topics } of connectors) {
      const committed = await admin.committedOffsets(`connect-${name}`);
      let total = 0n;
      for (const topic of topics) {
        const ends = await admin.endOffsets(topic, "read_committed");
        ends.forEach((end, p) => {
          const at = committed.get(`${topic}:${p}`) ?? 0n;
          if (end > at) total += end - at;
        });
      }
      behind.set(name, total);
    }
  } finally {
    await admin.close();
  }
  return behind;
}

/** Each connector's topics, from its config (`topics`, comma-separated). */
export async function connectorTopics(
  base: string,
  statuses: readonly ConnectorStatus[],
): Promise<Array<{ name: string; topics: string[] }>> {
  return Promise.all(
    statuses.map(async ({ name }) => {
      const config = (await call(
        base,
        "GET",
        `/connectors/${encodeURIComponent(name)}/config`,
      )) as {
        topics?: string;
      };
      const topics = (config.topics ?? "").split(",").map((t) => t.trim());
      return { name, topics: topics.filter(Boolean) };
    }),
  );
}
