/**
 * The proofs of issue 11 run the platform's own servers as real child processes on a
 * prefixed run (`vobe serve processors --prefix …`, `vobe serve sinks --prefix …`), so a
 * SIGKILL ends them the way a crash would, and compare what they produced with the truth
 * read from the raw topics by the test itself: nothing here trusts a processor or a sink.
 *
 *   const processors = processorsChild(run, { stateDir, port });
 *   await healthy(processors, port);
 *   const truth = await playTruth(`${run.topicPrefix}listening.plays`, registry);
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin, type InRecord, type KafkaAdmin } from "../../platform/kafka/index.ts";
import type { Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { eventHeaders } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { TrackLiked } from "../../schemas/generated/index.ts";
import { quote } from "../../sinks/engine/index.ts";
import { get, ProcessorsProcess } from "./processors-process.ts";
import { readAll } from "./streams.ts";

export interface ChildRun {
  topicPrefix: string;
  endpoints: Endpoints;
}

/**
 * The whole catalog under a prefix of its own (every topology's inputs exist, so all of
 * them can run), and a removal of it all: its topics, the apps' internal topics, subjects.
 */
export async function prefixedPlatform(endpoints: Endpoints, name: string) {
  const topicPrefix = `test.${name}.${randomUUID().slice(0, 8)}.`;
  const entries = prefixedCatalog(topicPrefix, catalog);
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  return {
    topicPrefix,
    async remove(): Promise<void> {
      const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
      try {
        const topics = await admin.listTopics();
        await admin.deleteTopics(topics.filter((t) => t.startsWith(topicPrefix)));
      } finally {
        await admin.close();
      }
      const registry = registryApi(endpoints.schemaRegistryUrl);
      for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
        await registry.deleteSubject(subject).catch(() => {});
      }
    },
  };
}

/** Every endpoint in the env: the CLI then uses them as given, and starts nothing. */
export function cliEnv(endpoints: Endpoints, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
    SEARCH_URL: endpoints.searchUrl,
    ...extra,
  };
}

/** `vobe serve processors` (every app in its own worker thread) on the run's topics. */
export function processorsChild(
  run: ChildRun,
  options: { stateDir: string; port: number; only?: readonly string[]; instanceId?: string },
): ProcessorsProcess {
  return new ProcessorsProcess(
    [
      "cli/main.ts",
      "serve",
      "processors",
      "--prefix",
      run.topicPrefix,
      "--state-dir",
      options.stateDir,
      ...(options.only ? ["--only", ...options.only] : []),
    ],
    // One instance id across restarts: the restarted process fences its killed predecessor.
    cliEnv(run.endpoints, {
      VOBE_PROCESSORS_PORT: String(options.port),
      VOBE_INSTANCE_ID: options.instanceId ?? "proof",
    }),
  );
}

/** `vobe serve sinks` on the run's topics, into the run's schemas. */
export function sinksChild(
  run: ChildRun & { schemaPrefix: string },
  options: { port: number; only?: readonly string[] },
): ProcessorsProcess {
  return new ProcessorsProcess(
    [
      "cli/main.ts",
      "serve",
      "sinks",
      "--prefix",
      run.topicPrefix,
      "--schema-prefix",
      run.schemaPrefix,
      ...(options.only ? ["--only", ...options.only] : []),
    ],
    cliEnv(run.endpoints, { VOBE_SINKS_PORT: String(options.port) }),
  );
}

/** Until the child's /health answers 200 (or it dies, or the time is up: then it throws). */
export async function healthy(
  child: ProcessorsProcess,
  port: number,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await get(`http://127.0.0.1:${port}/health`, 2_000);
    if (answer.status === 200) return;
    if (!child.alive) throw new Error(`it exited; stderr:\n${child.stderr.join("").slice(-4000)}`);
    if (Date.now() > deadline) {
      throw new Error(
        `no healthy answer on :${port} within ${timeoutMs} ms (last: ${answer.status} ${answer.body.slice(0, 500)})`,
      );
    }
    await sleep(200);
  }
}

/** Records in log order: by partition, then offset. */
function inLogOrder(records: InRecord[]): InRecord[] {
  return [...records].sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : a.offset < b.offset ? -1 : 1,
  );
}

type Decode = (value: Buffer) => Promise<unknown>;

export interface TrackPlays {
  /** The partition of listening.plays the track's plays are in. */
  partition: number;
  plays: number;
  completedPlays: number;
  listenedMs: number;
}

/**
 * What every owner of the play counts must agree with: per track, its DISTINCT play ids in
 * listening.plays (a resent play counts once; copies of a play are the same play, so its
 * first copy's fields are the play's), and how many records the topic holds in all.
 */
export async function playTruth(
  topic: string,
  decoder: { decode: Decode },
  brokers?: string[],
): Promise<{ byTrack: Map<string, TrackPlays>; records: number; distinct: number }> {
  const records = inLogOrder(await readAll(topic, brokers));
  const seen = new Set<string>();
  const byTrack = new Map<string, TrackPlays>();
  for (const r of records) {
    if (!r.value) continue;
    const play = (await decoder.decode(r.value)) as {
      playId: string;
      trackId: string;
      completed: boolean;
      listenedMs: number;
    };
    if (seen.has(play.playId)) continue;
    seen.add(play.playId);
    const t = byTrack.get(play.trackId) ?? {
      partition: r.partition,
      plays: 0,
      completedPlays: 0,
      listenedMs: 0,
    };
    t.plays += 1;
    t.completedPlays += play.completed ? 1 : 0;
    t.listenedMs += play.listenedMs;
    byTrack.set(play.trackId, t);
  }
  return { byTrack, records: records.length, distinct: seen.size };
}

/**
 * Listeners who like each track now, from listening.likes: each (track, user)'s latest
 * event in log order (a track's likes share its partition) is a like. Tracks whose likes
 * all went away are there with 0.
 */
export async function likeTruth(
  topic: string,
  decoder: { decode: Decode },
): Promise<Map<string, number>> {
  const latest = new Map<string, boolean>();
  const tracks = new Set<string>();
  for (const r of inLogOrder(await readAll(topic))) {
    if (!r.value) continue;
    const event = (await decoder.decode(r.value)) as { trackId: string; userId: string };
    const type = r.headers.get(eventHeaders.eventType)?.toString();
    latest.set(`${event.trackId}/${event.userId}`, type === TrackLiked.name);
    tracks.add(event.trackId);
  }
  const likes = new Map([...tracks].map((t) => [t, 0]));
  for (const [slot, liked] of latest) {
    const track = slot.slice(0, slot.indexOf("/"));
    if (liked) likes.set(track, (likes.get(track) ?? 0) + 1);
  }
  return likes;
}

/** The latest value per key of a (derived) topic, decoded. */
export async function latestByKey<T>(
  topic: string,
  decoder: { decode: Decode },
  brokers?: string[],
): Promise<Map<string, T>> {
  const latest = new Map<string, T>();
  for (const r of inLogOrder(await readAll(topic, brokers))) {
    const key = r.key?.toString() ?? "";
    if (r.value) latest.set(key, (await decoder.decode(r.value)) as T);
    else latest.delete(key);
  }
  return latest;
}

/**
 * Until a view's sink has read each of `topics` to its read_committed end, as stored with
 * its rows in `<schema>.sink_offsets`, twice in a row.
 */
export async function sinkCaughtUp(options: {
  pool: Pool;
  schema: string;
  admin: KafkaAdmin;
  topics: readonly string[];
  timeoutMs?: number;
}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let quiet = 0;
  let behind: string[] = [];
  while (quiet < 2) {
    if (Date.now() > deadline) {
      throw new Error(`the sink did not catch up: ${behind.slice(0, 10).join(", ")}`);
    }
    const stored = await options.pool
      .query<{ topic: string; partition: number; next_offset: string }>(
        `select topic, partition, next_offset from ${quote(options.schema)}.sink_offsets`,
      )
      .catch(() => ({ rows: [] }));
    const at = new Map(
      stored.rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]),
    );
    behind = [];
    for (const topic of options.topics) {
      const ends = await options.admin.endOffsets(topic, "read_committed");
      ends.forEach((end, partition) => {
        const read = at.get(`${topic}:${partition}`) ?? 0n;
        if (read < end) behind.push(`${topic}:${partition} at ${read} of ${end}`);
      });
    }
    quiet = behind.length === 0 ? quiet + 1 : 0;
    await sleep(behind.length === 0 ? 150 : 250);
  }
}

/**
 * "track <id>: expected N, found M" for every key where `found` differs from `expected`
 * (a key missing from `found` is `missing` there; keys only in `found` are reported too).
 */
export function differences(
  what: string,
  expected: ReadonlyMap<string, number>,
  found: ReadonlyMap<string, number>,
  missing: number | undefined = undefined,
): string[] {
  const lines: string[] = [];
  for (const [key, n] of expected) {
    const m = found.has(key) ? found.get(key) : missing;
    if (m !== n) lines.push(`${what} of track ${key}: expected ${n}, found ${m ?? "nothing"}`);
  }
  for (const [key, m] of found) {
    if (!expected.has(key) && m !== (missing ?? 0)) {
      lines.push(`${what} of track ${key}: expected nothing, found ${m}`);
    }
  }
  return lines;
}
