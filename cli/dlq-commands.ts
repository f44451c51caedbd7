/**
 * `vobe dlq list | show | replay | skip`: the dead letters of every view and streams
 * application, grouped by error, one shown whole, and put back or set aside, each at most
 * once and with a reason in the audit trail (ops/dlq/).
 */
import Table from "cli-table3";
import { auditTopic, requireReason } from "../ops/audit/audit.ts";
import {
  type DeadLetter,
  deadLetterTopics,
  errorShape,
  parseLetterId,
  readLetters,
} from "../ops/dlq/letters.ts";
import { resolutions } from "../ops/dlq/resolutions.ts";
import { resolveLetters } from "../ops/dlq/resolve.ts";
import { endpointsFromEnv } from "../platform/config/endpoints.ts";
import { createAdmin, createFetcher } from "../platform/kafka/index.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import { say } from "./output.ts";
import { toJson } from "./topics-commands.ts";

function clients() {
  const endpoints = endpointsFromEnv();
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-dlq" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-dlq" });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const decode = (value: Buffer) => registry.decode(value);
  return {
    endpoints,
    admin,
    fetcher,
    decode,
    close: () => Promise.all([admin.close(), fetcher.close()]),
  };
}

export async function listLetters(options: { prefix: string; json?: boolean }) {
  const c = clients();
  try {
    const resolved = await resolutions(c.admin, c.fetcher, auditTopic(options.prefix), c.decode);
    const groups = new Map<
      string,
      {
        topic: string;
        source: string;
        stage: string;
        error: string;
        count: number;
        pending: number;
        replayed: number;
        skipped: number;
        first: number;
        last: number;
        example: string;
      }
    >();
    for (const topic of await deadLetterTopics(c.admin, options.prefix)) {
      for (const letter of await readLetters(c.admin, c.fetcher, topic)) {
        const error = errorShape(letter.error);
        const key = `${topic}\u0000${letter.stage}\u0000${error}`;
        const at = Number(letter.letter.timestamp);
        const group = groups.get(key) ?? {
          topic,
          source: `${letter.source.kind} ${letter.source.name}`,
          stage: letter.stage,
          error,
          count: 0,
          pending: 0,
          replayed: 0,
          skipped: 0,
          first: at,
          last: at,
          example: letter.id,
        };
        group.count++;
        const done = resolved.get(letter.id)?.action;
        if (done === "dlq.replay") group.replayed++;
        else if (done === "dlq.skip") group.skipped++;
        else group.pending++;
        group.first = Math.min(group.first, at);
        group.last = Math.max(group.last, at);
        groups.set(key, group);
      }
    }
    const rows = [...groups.values()].sort((a, b) => b.pending - a.pending || b.count - a.count);
    if (options.json) {
      say(
        toJson(
          rows.map((r) => ({
            ...r,
            first: new Date(r.first).toISOString(),
            last: new Date(r.last).toISOString(),
          })),
          2,
        ),
      );
      return;
    }
    if (rows.length === 0) {
      say("no dead letters");
      return;
    }
    const table = new Table({
      head: [
        "dead letters of",
        "stage",
        "error",
        "letters",
        "pending",
        "replayed",
        "skipped",
        "last",
        "e.g.",
      ],
      colAligns: ["left", "left", "left", "right", "right", "right", "right", "left", "left"],
      colWidths: [null, null, 60, null, null, null, null, null, null],
      wordWrap: true,
      style: { head: [], border: [], compact: true },
    });
    for (const r of rows) {
      table.push([
        r.source,
        r.stage,
        r.error,
        r.count,
        r.pending,
        r.replayed,
        r.skipped,
        new Date(r.last).toISOString().slice(0, 19),
        r.example,
      ]);
    }
    say(table.toString());
  } finally {
    await c.close();
  }
}

async function lettersOf(c: ReturnType<typeof clients>, topic: string): Promise<DeadLetter[]> {
  if (!(await c.admin.listTopics()).includes(topic)) throw new Error(`no topic ${topic}`);
  return readLetters(c.admin, c.fetcher, topic);
}

export async function showLetter(id: string, options: { prefix: string; json?: boolean }) {
  const c = clients();
  try {
    const where = parseLetterId(id);
    const letter = (await lettersOf(c, where.topic)).find((l) => l.id === id);
    if (!letter) throw new Error(`no dead letter ${id}`);
    const resolved = (
      await resolutions(c.admin, c.fetcher, auditTopic(options.prefix), c.decode)
    ).get(id);
    let decoded: unknown;
    let undecodable: string | undefined;
    if (letter.original.value) {
      try {
        decoded = await c.decode(letter.original.value);
      } catch (error) {
        undecodable = (error as Error).message;
      }
    }
    const shown = {
      id,
      source: letter.source,
      origin: letter.origin,
      stage: letter.stage,
      error: letter.error,
      at: new Date(Number(letter.letter.timestamp)).toISOString(),
      resolved: resolved ?? null,
      key: letter.original.key?.toString() ?? null,
      headers: Object.fromEntries([...letter.original.headers].map(([k, v]) => [k, v.toString()])),
      value: {
        bytes: letter.original.value?.length ?? 0,
        base64: letter.original.value?.toString("base64") ?? null,
        ...(decoded !== undefined ? { decoded } : {}),
        ...(undecodable ? { undecodable } : {}),
      },
    };
    if (options.json) {
      say(toJson(shown, 2));
      return;
    }
    say(`${id}  (${letter.source.kind} ${letter.source.name}, ${letter.stage})`);
    say(`  error:  ${letter.error}`);
    say(
      `  origin: ${letter.origin ? `${letter.origin.topic}:${letter.origin.partition}:${letter.origin.offset}` : "unknown"}`,
    );
    say(`  at:     ${shown.at}`);
    say(
      `  state:  ${resolved ? `${resolved.action === "dlq.replay" ? "replayed" : "skipped"} by ${resolved.operator} at ${resolved.at.toISOString()}: ${resolved.reason}` : "pending"}`,
    );
    say(`  key:    ${shown.key ?? "<none>"}`);
    for (const [k, v] of Object.entries(shown.headers)) say(`  header ${k}: ${v}`);
    const bytes = letter.original.value;
    say(`  value:  ${bytes ? `${bytes.length} bytes` : "<none>"}`);
    if (bytes) {
      for (let i = 0; i < Math.min(bytes.length, 256); i += 16) {
        const row = bytes.subarray(i, i + 16);
        say(
          `    ${i.toString(16).padStart(4, "0")}  ${[...row]
            .map((b) => b.toString(16).padStart(2, "0"))
            .join(" ")
            .padEnd(
              48,
            )} ${[...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("")}`,
        );
      }
      if (bytes.length > 256) say(`    … ${bytes.length - 256} more bytes (--json has them all)`);
    }
    if (decoded !== undefined) say(`  decoded: ${toJson(decoded)}`);
    if (undecodable) say(`  not decodable: ${undecodable}`);
  } finally {
    await c.close();
  }
}

export interface ResolveCommandOptions {
  prefix: string;
  reason?: string;
  dryRun?: boolean;
  rate?: string;
  all?: boolean;
  error?: string;
  id?: string[];
  json?: boolean;
}

export async function resolveCommand(
  action: "dlq.replay" | "dlq.skip",
  topic: string,
  options: ResolveCommandOptions,
) {
  const reason = options.dryRun ? (options.reason ?? "dry run") : requireReason(options.reason);
  if (!options.all && !options.error && !options.id?.length) {
    throw new Error("say which letters: --id <id…>, --error <text in the error>, or --all");
  }
  const perSecond = options.rate === undefined ? undefined : Number(options.rate);
  if (perSecond !== undefined && !(perSecond > 0))
    throw new Error("--rate must be > 0 letters per second");
  const c = clients();
  try {
    const all = await lettersOf(c, topic);
    const ids = new Set(options.id ?? []);
    for (const id of ids) {
      if (!all.some((l) => l.id === id)) throw new Error(`no dead letter ${id} in ${topic}`);
    }
    const chosen = all.filter(
      (l) =>
        options.all ||
        ids.has(l.id) ||
        (options.error !== undefined && l.error.includes(options.error)),
    );
    const report = await resolveLetters(action, chosen, {
      endpoints: c.endpoints,
      admin: c.admin,
      fetcher: c.fetcher,
      decode: c.decode,
      reason,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(perSecond ? { perSecond } : {}),
      ...(options.prefix ? { topicPrefix: options.prefix } : {}),
      log: options.json ? () => {} : say,
    });
    if (options.json) {
      say(toJson(report, 2));
      return;
    }
    const verb = action === "dlq.replay" ? "replayed" : "skipped";
    say(
      `${options.dryRun ? `would have ${verb}` : verb} ${report.done.length}; ${report.already.length} resolved before (left alone); ${report.refused.length} refused`,
    );
    for (const r of report.refused) say(`  refused ${r.id}: ${r.why}`);
    if (report.refused.length > 0) process.exitCode = 1;
  } finally {
    await c.close();
  }
}
