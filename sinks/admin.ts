/**
 * What `vobe sinks rebuild | swap | rollback | drop` do to a view's versions
 * (docs/adr/010-sinks.md). Every swap first catches the version up to its topics' ends:
 * a version built earlier and left aside stopped reading when its build ended, and put
 * live as it was, it would answer from the past (a hot track's count fell from 52 to 4
 * for seconds after such a swap).
 */
import type { Endpoints } from "../platform/config/endpoints.ts";
import { dropVersion, listVersions, type ViewVersion } from "./engine/index.ts";
import type { Sink } from "./engine/sink.ts";
import { buildVersion, createSinkRuntime, type ViewPlacement } from "./runtime.ts";
import { selectViews } from "./serve.ts";

export interface AdminPlacement extends Pick<ViewPlacement, "topicPrefix" | "schemaPrefix"> {
  indexPrefix?: string;
}

export interface AdminOptions {
  placement?: AdminPlacement;
  log: (line: string) => void;
  /** How long a catch-up may take before the command gives up (its progress is kept). */
  timeoutMs?: number;
}

export interface BuildProgress {
  /** Records of the view's topics the version has read. */
  done: bigint;
  /** Records in the view's topics when the build began. */
  total: bigint;
}

type View = Awaited<ReturnType<typeof selectViews>>["views"][number];
type Runtime = ReturnType<typeof createSinkRuntime>;

async function withView<T>(
  endpoints: Endpoints,
  name: string,
  placement: AdminPlacement,
  work: (view: View, runtime: Runtime, versions: ViewVersion[]) => Promise<T>,
): Promise<T> {
  const { views, engine } = await selectViews(endpoints, {
    only: [name],
    ...(placement.indexPrefix ? { indexPrefix: placement.indexPrefix } : {}),
  });
  const runtime = createSinkRuntime(endpoints, "vobe-sinks-admin");
  try {
    const [view] = views;
    if (!view) throw new Error(`no view "${name}"`);
    const pool = await runtime.pool(view.database);
    const versions = await listVersions(pool, `${placement.schemaPrefix ?? ""}${view.name}`);
    return await work(view, runtime, versions);
  } finally {
    await runtime.close();
    await engine?.close();
  }
}

const describeVersions = (versions: readonly ViewVersion[]) =>
  versions.length === 0 ? "none" : versions.map((v) => `v${v.version} (${v.state})`).join(", ");

/** The records a build of `view` has to read: its topics from their first offsets to their ends. */
async function extentOf(runtime: Runtime, view: View, placement: AdminPlacement) {
  const topics = [...new Set(view.events.map((e) => `${placement.topicPrefix ?? ""}${e.topic}`))];
  const starts = new Map<string, bigint>();
  let total = 0n;
  for (const topic of topics) {
    const [ends, firsts] = await Promise.all([
      runtime.source.admin.endOffsets(topic, "read_committed"),
      runtime.source.admin.startOffsets(topic),
    ]);
    ends.forEach((end, partition) => {
      const first = firsts[partition] ?? 0n;
      starts.set(`${topic}:${partition}`, first);
      total += end > first ? end - first : 0n;
    });
  }
  const doneOf = (sink: Sink) => {
    let done = 0n;
    for (const [slot, next] of sink.positions()) {
      const first = starts.get(slot) ?? 0n;
      if (next > first) done += next - first;
    }
    return done < total ? done : total;
  };
  return { total, doneOf };
}

/**
 * Runs a version's sink until it has read its topics to their ends (as of the start),
 * reporting progress; resumes from the version's own positions if it has any.
 */
async function catchUpVersion(
  runtime: Runtime,
  view: View,
  version: number,
  options: AdminOptions & {
    swap: boolean;
    progress?: (p: BuildProgress) => void;
    signal?: AbortSignal;
    resuming: boolean;
  },
): Promise<Sink> {
  const placement = options.placement ?? {};
  const extent = await extentOf(runtime, view, placement);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await buildVersion(runtime, view, {
      ...placement,
      // The sink's retries reach the operator: a build that keeps failing a batch (the
      // search engine timing out) looked like a build making no progress, with no reason.
      log: { info: () => {}, warn: (message) => options.log(`warning: ${message}`) },
      version,
      swap: options.swap,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      started: (sink) => {
        const done = extent.doneOf(sink);
        options.log(
          options.resuming
            ? `${view.name}: v${version} resumes from its positions (${done} of ${extent.total} records read)`
            : `${view.name}: v${version} reads its topics from the start (${extent.total} records)`,
        );
        const report = () => options.progress?.({ done: extent.doneOf(sink), total: extent.total });
        report();
        timer = setInterval(report, 250);
      },
    }).then((sink) => {
      options.progress?.({ done: extent.total, total: extent.total });
      return sink;
    });
  } finally {
    clearInterval(timer);
  }
}

export async function rebuildView(
  endpoints: Endpoints,
  name: string,
  options: AdminOptions & {
    version?: number;
    swap: boolean;
    progress?: (p: BuildProgress) => void;
    signal?: AbortSignal;
  },
): Promise<{ version: number; applied: number; deadLettered: number }> {
  return withView(endpoints, name, options.placement ?? {}, async (view, runtime, versions) => {
    const version = options.version ?? Math.max(0, ...versions.map((v) => v.version)) + 1;
    const existing = versions.find((v) => v.version === version);
    if (existing?.state === "live") {
      throw new Error(
        `${view.name} v${version} is live; a rebuild makes a new version (leave out --version)`,
      );
    }
    const sink = await catchUpVersion(runtime, view, version, {
      ...options,
      resuming: existing !== undefined,
    });
    const { applied, deadLettered } = sink.stats();
    options.log(
      `${view.name}: v${version} caught up (${applied} records applied now, ${deadLettered} dead-lettered)${options.swap ? " and is live" : ""}`,
    );
    return { version, applied, deadLettered };
  });
}

/** Makes `version` live after catching it up; the one live before is retired. */
export async function swapView(
  endpoints: Endpoints,
  name: string,
  version: number,
  options: AdminOptions & { progress?: (p: BuildProgress) => void; signal?: AbortSignal },
): Promise<void> {
  await withView(endpoints, name, options.placement ?? {}, async (view, runtime, versions) => {
    const target = versions.find((v) => v.version === version);
    if (!target) {
      throw new Error(
        `${view.name} has no version ${version}; its versions: ${describeVersions(versions)}`,
      );
    }
    if (target.state === "live") {
      options.log(`${view.name}: v${version} is live already`);
      return;
    }
    options.log(`${view.name}: v${version} catches up to its topics' ends before the swap`);
    await catchUpVersion(runtime, view, version, { ...options, swap: true, resuming: true });
    options.log(`${view.name}: v${version} is live`);
  });
}

/** Swaps back to the newest retired version (caught up first, like any swap). */
export async function rollbackView(
  endpoints: Endpoints,
  name: string,
  options: AdminOptions & { progress?: (p: BuildProgress) => void; signal?: AbortSignal },
): Promise<number> {
  const versions = await withView(
    endpoints,
    name,
    options.placement ?? {},
    async (_v, _r, vs) => vs,
  );
  const live = versions.find((v) => v.state === "live");
  const previous = versions
    .filter((v) => v.state === "retired" && (!live || v.version < live.version))
    .at(-1);
  if (!previous) {
    throw new Error(
      `${name} has no retired version to roll back to; its versions: ${describeVersions(versions)}`,
    );
  }
  await swapView(endpoints, name, previous.version, options);
  return previous.version;
}

export async function dropViewVersion(
  endpoints: Endpoints,
  name: string,
  version: number,
  options: AdminOptions,
): Promise<void> {
  await withView(endpoints, name, options.placement ?? {}, async (view, runtime, versions) => {
    if (!versions.some((v) => v.version === version)) {
      throw new Error(
        `${view.name} has no version ${version}; its versions: ${describeVersions(versions)}`,
      );
    }
    await dropVersion(await runtime.pool(view.database), {
      base: `${options.placement?.schemaPrefix ?? ""}${view.name}`,
      version,
    });
    options.log(`${view.name}: v${version} dropped`);
  });
}

export interface TableDifference {
  table: string;
  /** Rows the live version has and a fresh fold does not. */
  onlyLive: number;
  /** Rows a fresh fold has and the live version does not. */
  onlyFresh: number;
  /** A few of them, as text, for a person to look at. */
  examples: string[];
}

export interface VerifyReport {
  view: string;
  live: number;
  fresh: number;
  tables: number;
  differences: TableDifference[];
}

/**
 * Compares the live version of a Postgres view with a fresh fold of its topics: a new
 * version built from offset 0 beside it, compared table by table (every row, as text,
 * multiset difference both ways), then dropped. Both must have read the same positions for
 * the comparison to mean anything; the live one keeps moving, so the fresh one is caught up
 * to the ends again and the comparison waits (a few rounds) until the live one stands at
 * exactly the same positions.
 */
export async function verifyView(
  endpoints: Endpoints,
  name: string,
  options: AdminOptions & { keep?: boolean; progress?: (p: BuildProgress) => void },
): Promise<VerifyReport> {
  const placement = options.placement ?? {};
  return withView(endpoints, name, placement, async (view, runtime, versions) => {
    if (view.name === "search") {
      throw new Error("verify compares Postgres views; the search view is documents in indices");
    }
    const live = versions.find((v) => v.state === "live");
    if (!live) throw new Error(`${view.name} has no live version`);
    const fresh = Math.max(...versions.map((v) => v.version)) + 1;
    const base = `${placement.schemaPrefix ?? ""}${view.name}`;
    const pool = await runtime.pool(view.database);
    const liveSchema = `${base}_v${live.version}`;
    const freshSchema = `${base}_v${fresh}`;
    const positions = async (schema: string) => {
      const { rows } = await pool.query<{ slot: string; next: string }>(
        `select topic || ':' || partition as slot, next_offset::text as next from "${schema}".sink_offsets order by 1`,
      );
      return rows.map((r) => `${r.slot}=${r.next}`).join(",");
    };
    try {
      let same = false;
      for (let round = 0; round < 5 && !same; round++) {
        await catchUpVersion(runtime, view, fresh, {
          ...options,
          swap: false,
          resuming: round > 0,
        });
        const want = await positions(freshSchema);
        const until = Date.now() + 10_000;
        for (;;) {
          const at = await positions(liveSchema);
          if (at === want) {
            same = true;
            break;
          }
          if (Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (!same) {
        throw new Error(
          `${view.name}: the live version never stood where the fresh fold did (writes keep coming, or the live sink is not running); try again when it is quieter`,
        );
      }
      const { rows: tables } = await pool.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' and c.relname not in ('sink_offsets', 'sink_migrations')
          order by 1`,
        [liveSchema],
      );
      const differences: TableDifference[] = [];
      for (const { name: table } of tables) {
        const diff = (a: string, b: string) =>
          `select t::text as row from "${a}"."${table}" t except all select t::text from "${b}"."${table}" t`;
        const count = async (a: string, b: string) => {
          const { rows } = await pool.query<{ n: number }>(
            `select count(*)::int as n from (${diff(a, b)}) d`,
          );
          return rows[0]?.n ?? 0;
        };
        const onlyLive = await count(liveSchema, freshSchema);
        const onlyFresh = await count(freshSchema, liveSchema);
        if (onlyLive + onlyFresh === 0) continue;
        const examples = [
          ...(
            await pool.query<{ row: string }>(`${diff(liveSchema, freshSchema)} limit 3`)
          ).rows.map((r) => `live only:  ${r.row}`),
          ...(
            await pool.query<{ row: string }>(`${diff(freshSchema, liveSchema)} limit 3`)
          ).rows.map((r) => `fresh only: ${r.row}`),
        ];
        differences.push({ table, onlyLive, onlyFresh, examples });
      }
      return { view: view.name, live: live.version, fresh, tables: tables.length, differences };
    } finally {
      if (!options.keep) await dropVersion(pool, { base, version: fresh }).catch(() => {});
    }
  });
}
