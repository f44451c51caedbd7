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
