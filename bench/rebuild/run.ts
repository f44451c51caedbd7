/**
 * Rebuilding each view from the whole log beside a plain read of the same topics (issue
 * 14: goal ≥ 0.5). Against a running platform (`./vobe start`, the demo loaded): per view,
 * a new version is built from offset 0 (`rebuildView`, not swapped: the live version keeps
 * answering) and dropped again; the baseline reads the same topics' records from their
 * first offsets to their ends, counted, nothing decoded (bench/support/raw-read.ts). The
 * sides alternate per view (raw, rebuild, raw, rebuild…) after an untimed raw warm-up.
 *
 *   npx tsx bench/rebuild/run.ts [--views listening,search] [--rounds 1]
 *
 * The rebuild's time includes what an operator waits for: creating the version's schema
 * (or index), reading, decoding, writing, and catching up to the ends as of its start.
 */
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { dropViewVersion, rebuildView } from "../../sinks/admin.ts";
import { selectViews } from "../../sinks/serve.ts";
import { viewNames } from "../../sinks/views.ts";
import { rawRead } from "../support/raw-read.ts";

const { values } = parseArgs({
  options: {
    views: { type: "string", default: viewNames.join(",") },
    rounds: { type: "string", default: "1" },
  },
});
const endpoints = endpointsFromEnv();
const rounds = Number(values.rounds);
const quiet = () => {};

async function topicsOf(view: string): Promise<string[]> {
  const { views, engine } = await selectViews(endpoints, { only: [view] });
  try {
    return [...new Set((views[0]?.events ?? []).map((e) => e.topic))];
  } finally {
    await engine?.close();
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

const table = new Table({
  head: [
    "view",
    "records",
    "raw read (s)",
    "rebuild (s)",
    "raw events/s",
    "rebuild events/s",
    "ratio",
  ],
});
for (const view of values.views.split(",")) {
  const topics = await topicsOf(view);
  await rawRead(endpoints.kafkaBrokers, topics);
  let rawSeconds = 0;
  let rebuildSeconds = 0;
  let records = 0;
  let total = 0n;
  for (let round = 0; round < rounds; round++) {
    const raw = await timed(() => rawRead(endpoints.kafkaBrokers, topics));
    rawSeconds += raw.seconds;
    records = raw.result;
    const rebuild = await timed(() =>
      rebuildView(endpoints, view, {
        swap: false,
        log: quiet,
        progress: (p) => {
          total = p.total;
        },
      }),
    );
    rebuildSeconds += rebuild.seconds;
    await dropViewVersion(endpoints, view, rebuild.result.version, { log: quiet });
  }
  // The rebuild's extent counts offsets, transaction markers included; the raw read counts
  // records, so an exactly-once topic shows fewer on the raw side.
  if (BigInt(records) > total)
    console.warn(`${view}: the raw read counted ${records} records, the rebuild's extent ${total}`);
  const rawRate = (records * rounds) / rawSeconds;
  const rebuildRate = (records * rounds) / rebuildSeconds;
  table.push([
    view,
    records.toLocaleString("en"),
    (rawSeconds / rounds).toFixed(2),
    (rebuildSeconds / rounds).toFixed(2),
    Math.round(rawRate).toLocaleString("en"),
    Math.round(rebuildRate).toLocaleString("en"),
    records === 0 ? "–" : (rebuildRate / rawRate).toFixed(3),
  ]);
  console.log(`${view}: done`);
}
console.log(table.toString());
