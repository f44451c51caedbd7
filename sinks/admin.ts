/** What `vobe sinks status | rebuild | swap | drop` do. */
import type { Endpoints } from "../platform/config/endpoints.ts";
import { dropVersion, listVersions, quote, swapTo, versionSchema } from "./engine/index.ts";
import { buildVersion, createSinkRuntime } from "./runtime.ts";
import { selectViews } from "./serve.ts";

async function withView<T>(
  endpoints: Endpoints,
  name: string,
  work: (
    view: Awaited<ReturnType<typeof selectViews>>["views"][number],
    runtime: ReturnType<typeof createSinkRuntime>,
  ) => Promise<T>,
): Promise<T> {
  const { views, engine } = await selectViews(endpoints, { only: [name] });
  const runtime = createSinkRuntime(endpoints, "vobe-sinks-admin");
  try {
    const [view] = views;
    if (!view) throw new Error(`no view "${name}"`);
    return await work(view, runtime);
  } finally {
    await runtime.close();
    await engine?.close();
  }
}

export async function sinksStatus(endpoints: Endpoints): Promise<string[]> {
  const { views, engine } = await selectViews(endpoints, {});
  const runtime = createSinkRuntime(endpoints, "vobe-sinks-admin");
  const lines: string[] = [];
  try {
    for (const view of views) {
      const pool = await runtime.pool(view.database);
      const versions = await listVersions(pool, view.name);
      if (versions.length === 0) lines.push(`${view.name}: no version yet`);
      for (const v of versions) {
        const schema = versionSchema(view.name, v.version);
        const { rows } = await pool.query<{
          topic: string;
          partition: number;
          next_offset: string;
        }>(`select topic, partition, next_offset from ${quote(schema)}.sink_offsets`);
        let behind = 0n;
        for (const topic of new Set(view.events.map((e) => e.topic))) {
          const ends = await runtime.source.admin.endOffsets(topic, "read_committed");
          ends.forEach((end, partition) => {
            const at = rows.find((r) => r.topic === topic && r.partition === partition);
            behind += end - BigInt(at?.next_offset ?? 0);
          });
        }
        lines.push(`${view.name} v${v.version} (${v.state}, ${schema}): ${behind} records behind`);
      }
    }
  } finally {
    await runtime.close();
    await engine?.close();
  }
  return lines;
}

export async function rebuildView(
  endpoints: Endpoints,
  name: string,
  options: { version?: number; swap: boolean; log: (line: string) => void },
): Promise<void> {
  await withView(endpoints, name, async (view, runtime) => {
    const pool = await runtime.pool(view.database);
    const versions = await listVersions(pool, view.name);
    const version = options.version ?? Math.max(0, ...versions.map((v) => v.version)) + 1;
    options.log(`${view.name}: building v${version} from offset 0`);
    const sink = await buildVersion(runtime, view, { version, swap: options.swap });
    const { applied, deadLettered } = sink.stats();
    options.log(
      `${view.name}: v${version} caught up (${applied} records applied, ${deadLettered} dead-lettered)${options.swap ? " and is live" : ""}`,
    );
  });
}

export async function swapView(endpoints: Endpoints, name: string, version: number): Promise<void> {
  await withView(endpoints, name, async (view, runtime) => {
    const pool = await runtime.pool(view.database);
    await swapTo(pool, {
      base: view.name,
      version,
      inside: () => view.onSwap?.(version) ?? Promise.resolve(),
    });
  });
}

export async function dropViewVersion(
  endpoints: Endpoints,
  name: string,
  version: number,
): Promise<void> {
  await withView(endpoints, name, async (view, runtime) => {
    await dropVersion(await runtime.pool(view.database), { base: view.name, version });
  });
}
