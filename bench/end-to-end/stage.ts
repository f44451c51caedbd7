// What both end-to-end benches run on: a prefixed copy of the catalog with the demo catalog
// (size "small": ~4,000 tracks) loaded into it, the processors in a process of their own
// (processors-child.ts, one worker thread per app, as `vobe serve processors --prefix`),
// the listening view's sink in another (listening-sink.ts, as `vobe serve sinks`), and the
// app (write and read routes, api/app.ts) in the bench's process, driven with app.inject.
// Everything prefixed (topics, subjects, the view's schemas, state) is deleted by close().
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { buildApp } from "../../api/app.ts";
import { createAuth } from "../../api/http/auth.ts";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { demoListening, loadDemoCatalog } from "../../connect/demo/index.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher, type FetchPosition } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import type { StreamsConfigInput } from "../../processors/engine/runtime/config.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { dropAll } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { baseOf, createSinkRuntime } from "../../sinks/runtime.ts";

const root = resolve(import.meta.dirname, "../..");
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

export const say = (line: string) => console.log(line);

export const pct = (values: readonly number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process speaking JSON lines ({"event": …}) on stdout. */
export class Child {
  readonly process: ChildProcess;
  readonly events: Array<Record<string, unknown>> = [];
  private readonly stderr: string[] = [];

  constructor(
    readonly label: string,
    args: string[],
  ) {
    this.process = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    createInterface({ input: this.process.stdout as NodeJS.ReadableStream }).on("line", (l) => {
      try {
        this.events.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        this.stderr.push(l);
      }
    });
    createInterface({ input: this.process.stderr as NodeJS.ReadableStream }).on("line", (l) => {
      this.stderr.push(l);
      if (this.stderr.length > 100) this.stderr.shift();
    });
  }

  /** The first event named `name`, waiting up to `timeoutMs`. */
  async event(name: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found) return found;
      const failed = this.events.find((e) => e.event === "error");
      if (failed || this.process.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `${this.label}: no "${name}" (${failed ? `error: ${failed.message}` : this.process.exitCode !== null ? `exited ${this.process.exitCode}` : "timed out"})\n${this.stderr.slice(-30).join("\n")}`,
        );
      }
      await sleep(50);
    }
  }

  /** The latest event named `name`. */
  last(name: string): Record<string, unknown> | undefined {
    return this.events.findLast((e) => e.event === name);
  }

  /** User + system CPU seconds of the whole process (every thread) so far. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.process.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    } catch {
      return Number.NaN;
    }
  }

  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((r) => this.process.once("exit", r));
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export interface StageOptions {
  name: string;
  /** Topologies besides the API's check topologies (which the write path needs). */
  topologies: readonly string[];
}

export type EngineConfig = Partial<Pick<StreamsConfigInput, "cacheMaxBytes" | "commitIntervalMs">>;

export async function startStage(options: StageOptions) {
  const endpoints = endpointsFromEnv();
  const brokers = endpoints.kafkaBrokers;
  const id = randomUUID().slice(0, 8);
  const prefix = `bench.${options.name}.${id}.`;
  const entries = prefixedCatalog(prefix, catalog);
  const placement = { schemaPrefix: `b_${id}_`, topicPrefix: prefix };
  const secret = randomBytes(32).toString("hex");
  const stateDir = mkdtempSync(join(tmpdir(), `vobe-bench-${options.name}-`));
  const admin = createAdmin({ brokers, clientId: `vobe-bench-${options.name}` });
  const sinkRuntime = createSinkRuntime(endpoints, `vobe-bench-${options.name}-${id}`);
  const topologies = [...checkTopologies, ...options.topologies];
  let processors: Child | undefined;
  let sink: Child | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;

  const startProcessors = async (config: EngineConfig) => {
    processors = new Child("processors", [
      "bench/end-to-end/processors-child.ts",
      JSON.stringify({
        brokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        prefix,
        stateDir,
        instanceId: `bench-${id}`,
        only: topologies,
        config,
      }),
    ]);
    await processors.event("running");
    return processors;
  };

  const close = async () => {
    await app?.close().catch((e) => say(`cleanup: ${e}`));
    await processors?.stop();
    await sink?.stop();
    const pool = await sinkRuntime.pool("listening");
    await dropAll(pool, baseOf(listeningView, placement)).catch((e) => say(`cleanup: ${e}`));
    await sinkRuntime.close();
    const existing = await admin.listTopics();
    await admin
      .deleteTopics(existing.filter((t) => t.startsWith(prefix)))
      .catch((e) => say(`cleanup: ${e}`));
    await admin.close();
    const api = registryApi(endpoints.schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
    rmSync(stateDir, { recursive: true, force: true });
    say(`cleaned up ${prefix}*, ${placement.schemaPrefix}listening*, ${stateDir}`);
  };

  try {
    await applyCatalog({
      kafkaBrokers: brokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    const demo = await loadDemoCatalog({
      endpoints,
      size: "small",
      topicPrefix: prefix,
      force: true,
    });
    sink = new Child("listening sink", [
      "bench/end-to-end/listening-sink.ts",
      placement.schemaPrefix,
      prefix,
    ]);
    await sink.event("running");
    await startProcessors({});
    app = await buildApp({
      endpoints,
      topicPrefix: prefix,
      jwtSecret: secret,
      reads: { schemaPrefix: placement.schemaPrefix, indexPrefix: `bench-${options.name}-${id}-` },
    });
    const listening = demoListening(demo.catalog);
    const auth = createAuth({ secret });
    const tokens: string[] = [];
    for (const userId of listening.userIds.slice(0, 50)) {
      tokens.push((await auth.issue({ userId, role: "listener", username: "bench" })).token);
    }
    const pool = await sinkRuntime.pool("listening");
    const view = `${placement.schemaPrefix}listening`;
    const built = app;
    return {
      id,
      prefix,
      endpoints,
      admin,
      app: built,
      tokens,
      tracks: listening.tracks,
      userIds: listening.userIds,
      pool,
      /** The view's stable schema (quoted names are not needed: lowercase). */
      view,
      /** The live version's schema (its tables, for pg_stat_user_tables). */
      async versionSchema(): Promise<string> {
        const { rows } = await pool.query<{ s: string }>(
          "select nspname as s from pg_namespace where nspname like $1 order by nspname desc limit 1",
          [`${view}_v%`],
        );
        return rows[0]?.s ?? "";
      },
      sink: () => sink as Child,
      processors: () => processors as Child,
      /** Stops the processors and starts them again with this engine config. */
      async restartProcessors(config: EngineConfig) {
        await processors?.stop();
        return startProcessors(config);
      },
      groupOf: (topology: string) => `${prefix}vobe-${topology}`,
      close,
    };
  } catch (error) {
    await close().catch((e) => say(`cleanup: ${e}`));
    throw error;
  }
}

export type Stage = Awaited<ReturnType<typeof startStage>>;

/**
 * Counts the records (not transaction markers) of some topics, read_committed, from their
 * start: how many derived and changelog records the processors committed.
 */
export function countRecords(brokers: string[], clientId: string) {
  const fetcher = createFetcher({ brokers, clientId });
  const positions: FetchPosition[] = [];
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      if (positions.length === 0) {
        await sleep(100);
        continue;
      }
      // A topic created a moment ago may have no leader yet: ask again.
      const fetched = await fetcher.fetch(positions, { maxWaitMs: 200 }).catch(async () => {
        await sleep(200);
        return [];
      });
      for (const part of fetched) {
        counts.set(part.topic, (counts.get(part.topic) ?? 0) + part.records.length);
        const p = positions.find((q) => q.topic === part.topic && q.partition === part.partition);
        if (p && part.nextOffset > p.offset) p.offset = part.nextOffset;
      }
    }
  })();
  return {
    follow(topic: string, partitions: number) {
      if (positions.some((p) => p.topic === topic)) return;
      for (let partition = 0; partition < partitions; partition++) {
        positions.push({ topic, partition, offset: 0n });
      }
    },
    /** Records seen so far in the topics whose name passes `match`. */
    count(match: (topic: string) => boolean): number {
      let n = 0;
      for (const [topic, c] of counts) if (match(topic)) n += c;
      return n;
    },
    topics(): Set<string> {
      return new Set(positions.map((p) => p.topic));
    },
    /** Whether every followed partition has been read up to `ends` (topic → end offsets). */
    reached(ends: Map<string, bigint[]>): boolean {
      return positions.every((p) => p.offset >= (ends.get(p.topic)?.[p.partition] ?? 0n));
    },
    async close() {
      running = false;
      await loop;
      await fetcher.close();
    },
  };
}
