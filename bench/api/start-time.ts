// API start time against the size of the history, the old way and the new, in the same run
// (issue 11 point 2): until the app is ready, and until it has accepted a first command.
//
//   npx tsx bench/api/start-time.ts [--runs 3] [--factor 10] [--old <commit>]
//
// The baseline is the API as of --old (default: the commit before the checks read the
// processors' state), extracted from git into a temporary directory: its checks fold the
// raw topics from offset 0. The new API's catalog and identity checks read the compacted
// topics vobe-catalog-snapshots and vobe-identity-owners write. Both start on the same
// prefixed topics, each in a fresh child process (start-child.ts), alternating.
//
// Steps: the demo catalog (`full`) into `bench.start-time.<id>.*`; the two topologies run
// here until caught up; measure. Then (factor − 1) × the demo's events more, as the history
// of a live catalog looks: the same tracks, albums and artists updated again and again, and
// sign-ups refused on taken names (a claim and its release). Measure again with the
// snapshot topics as written, and once more after the log cleaner compacted them (the bench
// lowers their segment.ms and dirty ratio to get there in seconds; the catalog's setting,
// max.compaction.lag.ms one day, bounds how long an uncompacted tail can live).
// Everything under the prefix is deleted at the end.
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emailClaimKey } from "../../api/auth/claim-keys.ts";
import { applicationProgress, checkTopologies } from "../../api/state/derived-view.ts";
import { loadDemoCatalog } from "../../connect/demo/load.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { startProcessors } from "../../processors/apps/index.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import * as generated from "../../schemas/generated/index.ts";

const root = join(import.meta.dirname, "../..");
const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    factor: { type: "string", default: "10" },
    old: { type: "string", default: "b97bb2f" },
  },
});
const runs = Number(args.runs);
const factor = Number(args.factor);
const say = (line: string) => console.log(line);

const endpoints = endpointsFromEnv();
const brokers = endpoints.kafkaBrokers;
const prefix = `bench.start-time.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(prefix, catalog);
const type = <T>(t: EventType<T>): EventType<T> => ({ ...t, topic: `${prefix}${t.topic}` });
const admin = createAdmin({ brokers, clientId: "vobe-bench-start" });
const producer = createProducer({ brokers, clientId: "vobe-bench-start" });
const events = createEventProducer({
  producer,
  registry: registryApi(endpoints.schemaRegistryUrl),
});
const stateDir = mkdtempSync(join(tmpdir(), "vobe-bench-start-state-"));
const oldRoot = mkdtempSync(join(tmpdir(), "vobe-bench-start-old-"));

/** The baseline's code, as of --old, beside this checkout's node_modules. */
function extractOld(commit: string): string {
  const sha = execFileSync("git", ["-C", root, "rev-parse", commit], { encoding: "utf8" }).trim();
  const archive = execFileSync("git", ["-C", root, "archive", sha], { maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", oldRoot], { input: archive });
  symlinkSync(join(root, "node_modules"), join(oldRoot, "node_modules"));
  // The generated types of today (a superset): the old API reads only raw event types.
  cpSync(join(root, "schemas/generated"), join(oldRoot, "schemas/generated"), { recursive: true });
  return sha.slice(0, 7);
}

interface Start {
  readyMs: number;
  firstCommandMs: number;
  /** Why the app did not start (e.g. Fastify's 10 s plugin timeout); the times are NaN. */
  failed?: string;
}

function startOnce(codeRoot: string, track: string): Promise<Start> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "bench/api/start-child.ts"),
        "--root",
        codeRoot,
        "--prefix",
        prefix,
        "--track",
        track,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      err += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) {
        resolve(JSON.parse(line) as Start);
        return;
      }
      const reason = /Plugin did not start in time: '\w+'/.exec(err);
      if (!reason) reject(new Error(`start child exited ${code}: ${err.slice(-2000)}`));
      else resolve({ readyMs: Number.NaN, firstCommandMs: Number.NaN, failed: reason[0] });
    });
  });
}

/** The median of the runs that started, and how many did not. */
const median = (starts: Start[], pick: (s: Start) => number): string => {
  const xs = starts
    .filter((s) => !s.failed)
    .map(pick)
    .sort((a, b) => a - b);
  const failed = starts.length - xs.length;
  const note = failed > 0 ? ` (${failed} of ${starts.length} did not start)` : "";
  const mid = xs[Math.floor(xs.length / 2)];
  return mid === undefined ? `did not start${note}` : `${mid.toFixed(0)}${note}`;
};

/** Records a topic holds now (after compaction: the live keys and an uncleaned tail). */
async function recordCount(topics: readonly string[]): Promise<number> {
  const fetcher = createFetcher({ brokers, clientId: "vobe-bench-start-count" });
  let count = 0;
  try {
    for (const topic of topics) {
      const ends = await admin.endOffsets(topic, "read_committed");
      const starts = await admin.startOffsets(topic);
      let positions = ends.map((_, partition) => ({
        topic,
        partition,
        offset: starts[partition] ?? 0n,
      }));
      while (positions.some((p) => p.offset < (ends[p.partition] ?? 0n))) {
        const open = positions.filter((p) => p.offset < (ends[p.partition] ?? 0n));
        for (const f of await fetcher.fetch(open, { maxWaitMs: 50 })) {
          count += f.records.length;
          positions = positions.map((p) =>
            p.partition === f.partition ? { ...p, offset: f.nextOffset } : p,
          );
        }
      }
    }
  } finally {
    await fetcher.close();
  }
  return count;
}

const rawTopics = ["artist.artists", "artist.albums", "artist.tracks", "auth.identity-claims"];
const derivedTopics = [
  "artist.artist-snapshots",
  "artist.album-snapshots",
  "artist.track-snapshots",
  "auth.identity-owners",
];
const prefixed = (names: string[]) => names.map((n) => `${prefix}${n}`);

async function caughtUp(): Promise<void> {
  const deadline = Date.now() + 600_000;
  const inputs: Record<string, string[]> = {
    "identity-owners": ["auth.identity-claims", "auth.users"],
    "catalog-snapshots": ["artist.artists", "artist.albums", "artist.tracks"],
    "content-snapshots": ["content.posts", "comment.comments"],
    "service-snapshots": ["feedback.feedback", "chat.messages"],
    "account-snapshots": ["auth.users"],
  };
  for (const [topology, topics] of Object.entries(inputs)) {
    await applicationProgress(admin, `${prefix}vobe-${topology}`, prefixed(topics)).passed(
      [],
      deadline,
      topology,
    );
  }
}

interface Row {
  label: string;
  raw: number;
  derived: number;
  old: Start[];
  new: Start[];
}
const rows: Row[] = [];

async function measure(label: string, track: string): Promise<void> {
  const row: Row = {
    label,
    raw: await recordCount(prefixed(rawTopics)),
    derived: await recordCount(prefixed(derivedTopics)),
    old: [],
    new: [],
  };
  for (let run = 0; run < runs; run++) {
    // Alternate which goes first: page cache and broker warmth favour the second.
    const order = run % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const);
    for (const side of order) {
      row[side].push(await startOnce(side === "old" ? oldRoot : root, track));
    }
  }
  rows.push(row);
  say(
    `  ${label}: old ready ${median(row.old, (s) => s.readyMs)} ms, new ready ${median(row.new, (s) => s.readyMs)} ms`,
  );
  const each = (starts: Start[]) =>
    starts.map((s) => (s.failed ? "–" : s.readyMs.toFixed(0))).join(", ");
  say(`    every run, ready ms: old ${each(row.old)}; new ${each(row.new)}`);
  for (const s of [...row.old, ...row.new]) if (s.failed) say(`    did not start: ${s.failed}`);
}

/** (factor − 1) × the demo's events: updates of the same entities, refused sign-ups. */
async function growHistory(
  demo: Awaited<ReturnType<typeof loadDemoCatalog>>["catalog"],
  count: number,
) {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const actor = { userId: null, role: "system" as const };
  const taken = demo.users.map((u) => emailClaimKey(u.email));
  const make = (i: number): PendingEvent<Envelope>[] => {
    const r = random();
    const context = { actor };
    const one = <T extends Envelope>(t: EventType<T>, key: string, payload: object) =>
      ({ type: type(t), key, payload, context }) as unknown as PendingEvent<Envelope>;
    if (r < 0.85) {
      const t = pick(demo.tracks);
      return [
        one(generated.TrackUpdated, t.trackId, {
          trackId: t.trackId,
          albumId: t.albumId,
          artistId: t.artistId,
          title: `${t.title} (take ${i})`,
          durationMs: t.durationMs,
          trackNumber: t.trackNumber,
          genre: t.genre,
          explicit: t.explicit,
        }),
      ];
    }
    if (r < 0.92) {
      const a = pick(demo.albums);
      return [
        one(generated.AlbumUpdated, a.albumId, {
          albumId: a.albumId,
          artistId: a.artistId,
          title: `${a.title} (edition ${i})`,
          releaseDate: a.releaseDate,
          genre: a.genre,
          coverUrl: null,
        }),
      ];
    }
    if (r < 0.95) {
      const a = pick(demo.artists);
      return [
        one(generated.ArtistUpdated, a.artistId, {
          artistId: a.artistId,
          name: a.name,
          country: a.country,
          genres: a.genres,
          bio: `bio ${i}`,
        }),
      ];
    }
    // A sign-up refused on a taken e-mail: its claim and its release.
    const claimKey = pick(taken);
    const userId = randomUUID();
    return [
      one(generated.IdentityClaimed, claimKey, { claimKey, userId }),
      one(generated.IdentityReleased, claimKey, { claimKey, userId }),
    ];
  };
  let written = 0;
  while (written < count) {
    const batch: PendingEvent<Envelope>[] = [];
    while (batch.length < 2_000 && written + batch.length < count)
      batch.push(...make(written + batch.length));
    await events.publishAll(batch);
    written += batch.length;
  }
  return written;
}

async function compactDerived(): Promise<void> {
  for (const topic of prefixed(derivedTopics)) {
    await admin.setTopicConfigs(topic, {
      "segment.ms": "1000",
      "min.cleanable.dirty.ratio": "0.01",
      "max.compaction.lag.ms": "1000",
    });
  }
}

let processors: Awaited<ReturnType<typeof startProcessors>> | undefined;
try {
  const oldSha = extractOld(args.old);
  say(`prefix ${prefix}; baseline code ${oldSha}; ${runs} runs per side and size`);
  await applyCatalog({
    kafkaBrokers: brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  const demo = await loadDemoCatalog({ endpoints, topicPrefix: prefix, force: true });
  say(`demo catalog: ${demo.events} events in ${demo.seconds.toFixed(1)} s`);
  processors = await startProcessors({
    brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    prefix,
    stateDir,
    only: checkTopologies,
    instanceId: "bench",
  });
  await caughtUp();
  const track = demo.catalog.tracks[0]?.trackId as string;
  await measure("demo catalog", track);

  const more = await growHistory(demo.catalog, (factor - 1) * demo.events);
  say(`history grown by ${more} events (${factor}× the demo's)`);
  await caughtUp();
  await measure(`${factor}× history, snapshots as written`, track);

  await compactDerived();
  // The cleaner compacts rolled segments only, and a partition rolls its active segment
  // on its next write after segment.ms: a few hundred more updates reach every partition.
  const live =
    demo.catalog.tracks.length +
    demo.catalog.albums.length +
    demo.catalog.artists.length +
    2 * demo.catalog.users.length;
  for (let round = 0; round < 40; round++) {
    await new Promise((r) => setTimeout(r, 3_000));
    await growHistory(demo.catalog, 300);
    await caughtUp();
    const derived = await recordCount(prefixed(derivedTopics));
    if (derived < 1.15 * live) break;
  }
  await caughtUp();
  await measure(`${factor}× history, snapshots compacted`, track);

  say("");
  say(
    "| history | records in raw topics read (old) | records in derived topics read (new) | old: ready ms | new: ready ms | old: first command ms | new: first command ms | new ÷ old (ready) |",
  );
  say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const o = Number.parseFloat(median(r.old, (s) => s.readyMs));
    const n = Number.parseFloat(median(r.new, (s) => s.readyMs));
    const ratio = Number.isFinite(o) && Number.isFinite(n) ? (n / o).toFixed(2) : "–";
    say(
      `| ${r.label} | ${r.raw.toLocaleString("en")} | ${r.derived.toLocaleString("en")} | ${median(r.old, (s) => s.readyMs)} | ${median(r.new, (s) => s.readyMs)} | ${median(r.old, (s) => s.firstCommandMs)} | ${median(r.new, (s) => s.firstCommandMs)} | ${ratio} |`,
    );
  }
  say(
    "(medians; raw = artist.* + auth.identity-claims, derived = the three snapshot topics + auth.identity-owners; other views are the same in both)",
  );
} finally {
  await processors?.stop();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics(mine);
  const api = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    await api.deleteSubject(subject).catch(() => {});
  }
  await producer.close();
  await admin.close();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(oldRoot, { recursive: true, force: true });
}
