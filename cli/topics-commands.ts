/**
 * `vobe topics list | describe | tail`: the catalog's topics and what the broker holds,
 * and a bounded, decoded read of one topic. Endpoints as configured; nothing is started.
 */
import { describeTopic, summarize } from "../ops/topics/describe.ts";
import {
  type DecodedRecord,
  fieldFilter,
  keyFilter,
  parseStartAt,
  readTopic,
} from "../ops/topics/read.ts";
import { endpointsFromEnv } from "../platform/config/endpoints.ts";
import { createAdmin, createFetcher } from "../platform/kafka/index.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import { catalog, prefixedCatalog, type TopicEntry } from "../schemas/catalog.ts";
import { positiveWhole } from "./options.ts";
import { plainTable, say } from "./output.ts";

const entriesFor = (prefix: string): TopicEntry[] =>
  prefix ? prefixedCatalog(prefix) : [...catalog];

/** JSON with dates as ISO text, bigints as decimal text and bytes as base64. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v && typeof v === "object" && (v as { type?: string }).type === "Buffer") {
        return Buffer.from((v as { data: number[] }).data).toString("base64");
      }
      return v;
    },
    indent,
  );
}

function clients() {
  const endpoints = endpointsFromEnv();
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-topics" });
  return { endpoints, admin };
}

export async function listTopics(options: { prefix: string; all?: boolean; json?: boolean }) {
  const { admin } = clients();
  try {
    const entries = entriesFor(options.prefix);
    const existing = new Set(await admin.listTopics());
    const names = [
      ...entries.map((e) => e.name),
      ...(options.all
        ? [...existing].filter((t) => !entries.some((e) => e.name === t)).sort()
        : []),
    ];
    const rows = await Promise.all(
      names.map(async (name) => {
        const entry = entries.find((e) => e.name === name);
        if (!existing.has(name)) return { name, entry, missing: true as const };
        return { ...(await summarize(admin, name, entry)), missing: false as const };
      }),
    );
    if (options.json) {
      say(
        toJson(
          rows.map((r) => ({
            name: r.name,
            inCatalog: r.entry !== undefined,
            onBroker: !r.missing,
            ...(r.entry
              ? {
                  owner: r.entry.owner,
                  derived: r.entry.derived,
                  restricted: r.entry.restricted,
                  cleanupPolicy: r.entry.cleanupPolicy,
                  events: r.entry.events.map((e) => e.name),
                }
              : {}),
            ...(r.missing ? {} : { partitions: r.partitions, records: r.records }),
          })),
          2,
        ),
      );
      return;
    }
    const table = plainTable(
      ["topic", "owner", "kind", "partitions", "records", "events"],
      ["left", "left", "left", "right", "right", "left"],
    );
    for (const r of rows) {
      const kind = r.entry
        ? `${r.entry.derived ? "derived" : "log"}${r.entry.cleanupPolicy === "compact" ? ", compacted" : ""}${r.entry.restricted ? ", restricted" : ""}`
        : "not in catalog";
      table.push([
        r.name,
        r.entry?.owner ?? "",
        kind,
        r.missing ? "missing" : String(r.partitions),
        r.missing ? "" : r.records.toString(),
        r.entry?.events.map((e) => e.name.split(".").at(-1)).join(", ") ?? "",
      ]);
    }
    say(table.toString());
  } finally {
    await admin.close();
  }
}

export async function describe(name: string, options: { prefix: string; json?: boolean }) {
  const { admin, endpoints } = clients();
  try {
    const entry = entriesFor(options.prefix).find((e) => e.name === name);
    const detail = await describeTopic(admin, name, entry);
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const subjects = await Promise.all(
      (entry?.events ?? []).map(async (e) => {
        const subject = `${name}-${e.name}`;
        const latest = await registry.getLatestSchemaId(subject).catch(() => undefined);
        return { subject, schemaId: latest ?? null };
      }),
    );
    if (options.json) {
      say(
        toJson({ ...detail, entry: undefined, catalog: entry && catalogFacts(entry), subjects }, 2),
      );
      return;
    }
    say(`${name}`);
    if (entry) {
      say(`  ${entry.doc}`);
      for (const [k, v] of Object.entries(catalogFacts(entry)))
        say(`  ${k}: ${Array.isArray(v) ? v.join(", ") : v}`);
    } else {
      say(
        "  not in the catalog (an internal topic of the engine, a dead-letter topic, or a stranger)",
      );
    }
    const table = plainTable(
      ["partition", "first offset", "end offset", "records"],
      ["right", "right", "right", "right"],
    );
    for (const o of detail.offsets)
      table.push([o.partition, o.first.toString(), o.end.toString(), (o.end - o.first).toString()]);
    say(table.toString());
    for (const s of subjects)
      say(`  schema ${s.subject}: ${s.schemaId === null ? "not registered" : `id ${s.schemaId}`}`);
    const configs = [
      "cleanup.policy",
      "retention.ms",
      "min.compaction.lag.ms",
      "max.compaction.lag.ms",
      "delete.retention.ms",
    ];
    for (const c of configs)
      if (detail.configs[c] !== undefined) say(`  ${c}=${detail.configs[c]}`);
  } finally {
    await admin.close();
  }
}

function catalogFacts(entry: TopicEntry) {
  return {
    owner: entry.owner,
    key: entry.key.doc,
    readers: [...entry.readers],
    restricted: entry.restricted,
    derived: entry.derived,
    ...(entry.derivedFrom
      ? { derivedFrom: `${entry.derivedFrom.topology} ← ${entry.derivedFrom.inputs.join(", ")}` }
      : {}),
    events: entry.events.map((e) => e.name),
  };
}

export interface TailOptions {
  from: string;
  partition?: string[];
  follow?: boolean;
  key?: string;
  where?: string[];
  max: string;
  scan?: string;
  seconds?: string;
  json?: boolean;
}

export async function tail(topic: string, options: TailOptions) {
  const { admin, endpoints } = clients();
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-topics-tail" });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const filters = [
    ...(options.key !== undefined ? [keyFilter(options.key)] : []),
    ...(options.where ?? []).map(fieldFilter),
  ];
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once("SIGINT", onSigint);
  const count = (text: string | undefined, name: string) =>
    text === undefined ? undefined : positiveWhole(text, name);
  const seconds = count(options.seconds, "--seconds");
  try {
    const summary = await readTopic(
      admin,
      fetcher,
      {
        topic,
        ...(options.partition ? { partitions: options.partition.map(Number) } : {}),
        from: parseStartAt(options.from),
        follow: options.follow === true,
        maxMatches: count(options.max, "--max") as number,
        ...(options.scan ? { maxScanned: count(options.scan, "--scan") as number } : {}),
        ...(seconds ? { deadline: Date.now() + seconds * 1000 } : {}),
        signal: stop.signal,
        decode: (value) => registry.decode(value),
        matches: (r) => filters.every((f) => f(r)),
      },
      (r) => say(options.json ? toJson(recordJson(r)) : recordLine(r)),
    );
    const note = `${summary.matched} shown of ${summary.scanned} read; stopped: ${summary.stopped}`;
    if (options.json) console.error(note);
    else say(`-- ${note}`);
  } finally {
    process.off("SIGINT", onSigint);
    await Promise.all([admin.close(), fetcher.close()]);
  }
}

function recordJson(r: DecodedRecord) {
  return {
    topic: r.record.topic,
    partition: r.record.partition,
    offset: r.record.offset,
    timestamp: new Date(Number(r.record.timestamp)).toISOString(),
    key: r.record.key?.toString() ?? null,
    eventType: r.eventType ?? null,
    value: r.value ?? null,
    ...(r.undecodable
      ? { undecodable: r.undecodable, bytes: r.record.value?.toString("base64") }
      : {}),
  };
}

function recordLine(r: DecodedRecord): string {
  const where = `${r.record.partition}@${r.record.offset}`;
  const at = new Date(Number(r.record.timestamp)).toISOString();
  const type = r.eventType?.split(".").at(-1) ?? "?";
  const body =
    r.undecodable !== undefined
      ? `<not decodable: ${r.undecodable}> ${r.record.value?.toString("hex").slice(0, 64)}…`
      : r.value === null
        ? "<tombstone>"
        : toJson(r.value);
  return `${where} ${at} ${r.record.key?.toString() ?? "<no key>"} ${type} ${body}`;
}
