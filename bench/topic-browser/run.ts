/**
 * The topic browser's field filter over a big topic (issue 14): one listener's play among
 * `--records` (default 1,000,000) on a prefixed copy of listening.plays, found with
 * `readTopic` + `fieldFilter` (ops/topics/read.ts: fetch, decode through the registry, match)
 * scanning the whole topic, beside a raw read of the same records (fetched, counted, not
 * decoded); and the console's bounded page (5,000 records or 5 s, api/ops/topics.ts), which
 * is the bound a person waits for whatever the topic's size.
 *
 *   npx tsx bench/topic-browser/run.ts [--records 1000000] [--rounds 2]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { fieldFilter, readTopic } from "../../ops/topics/read.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { publishPlays } from "../support/plays.ts";
import { rawRead } from "../support/raw-read.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "2" },
  },
});
const records = Number(values.records);
const endpoints = endpointsFromEnv();
const entries = prefixedCatalog(
  `bench.browse.${randomUUID().slice(0, 8)}.`,
  catalog.filter((t) => t.name === "listening.plays"),
);
const topic = (entries[0] as (typeof entries)[number]).name;
const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);

/** The filter over the whole topic; returns [scanned, matched]. */
async function filterAll(where: string, bounds: { maxScanned?: number; deadline?: number } = {}) {
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
  try {
    const summary = await readTopic(
      admin,
      fetcher,
      {
        topic,
        from: { at: "earliest" },
        follow: false,
        ...bounds,
        decode: (value) => registry.decode(value),
        matches: fieldFilter(where),
      },
      () => {},
    );
    return summary;
  } finally {
    await Promise.all([admin.close(), fetcher.close()]);
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

try {
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  console.log(`publishing ${records.toLocaleString("en")} plays to ${topic}…`);
  const { someUserId } = await publishPlays(endpoints, topic, records, 30);
  const where = `userId=${someUserId}`;
  await rawRead(endpoints.kafkaBrokers, [topic]);
  let raw = 0;
  let filter = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    const r = await timed(() => rawRead(endpoints.kafkaBrokers, [topic]));
    if (r.result !== records) throw new Error(`the raw read saw ${r.result} of ${records}`);
    raw += r.seconds;
    const f = await timed(() => filterAll(where));
    if (f.result.scanned !== records || f.result.matched !== 1)
      throw new Error(`the filter scanned ${f.result.scanned} and matched ${f.result.matched}`);
    filter += f.seconds;
  }
  const page = await timed(() =>
    filterAll(where, { maxScanned: 5_000, deadline: Date.now() + 5_000 }),
  );
  const rounds = Number(values.rounds);
  const table = new Table({ head: ["side", "seconds (mean)", "records/s", "ratio to raw read"] });
  const rate = (seconds: number) => (records * rounds) / seconds;
  table.push(
    ["raw read", (raw / rounds).toFixed(2), Math.round(rate(raw)).toLocaleString("en"), "1.000"],
    [
      `filter ${where.slice(0, 16)}… (whole topic)`,
      (filter / rounds).toFixed(2),
      Math.round(rate(filter)).toLocaleString("en"),
      (raw / filter).toFixed(3),
    ],
    [
      `console page (≤ 5,000 records, ≤ 5 s): ${page.result.stopped}`,
      page.seconds.toFixed(2),
      Math.round(page.result.scanned / page.seconds).toLocaleString("en"),
      "",
    ],
  );
  console.log(table.toString());
} finally {
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
  const api = registryApi(endpoints.schemaRegistryUrl);
  for (const s of entries.flatMap((t) => t.events.map(subjectOf))) {
    await api.deleteSubject(s).catch(() => {});
  }
}
