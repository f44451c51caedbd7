import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { queryExports } from "../../ops/export/query.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";

const run = promisify(execFile);

/**
 * `vobe export` and `vobe sql` against the real broker and registry, on a prefixed copy of
 * listening.plays: typed columns, a second export adds nothing, and an export killed with
 * SIGKILL (at a chosen point, and at a random one) then run again has every record once.
 */
describe("vobe export", { timeout: 300_000 }, () => {
  const endpoints = inject("endpoints");
  const prefix = `test.export.${randomUUID().slice(0, 8)}.`;
  const topic = `${prefix}listening.plays`;
  const entries = prefixedCatalog(
    prefix,
    catalog.filter((t) => t.name === "listening.plays"),
  );
  const work = mkdtempSync(join(tmpdir(), "vobe-export-test-"));
  const total = 3_000;
  const env = {
    ...process.env,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
  };
  const vobe = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
      env: { ...env, ...extra },
      maxBuffer: 64 * 1024 * 1024,
    });
  const exportTo = async (out: string, extra: NodeJS.ProcessEnv = {}, chunk = "50000") =>
    JSON.parse(
      (
        await vobe(
          ["export", topic, "--prefix", prefix, "--out", out, "--chunk", chunk, "--json"],
          extra,
        )
      ).stdout,
    ) as Array<{ records: number; files: number; removedFiles: number }>;
  const sql = async (out: string, query: string) =>
    JSON.parse((await vobe(["sql", query, "--out", out, "--json"])).stdout) as Array<
      Record<string, unknown>
    >;
  /** Every (partition, offset) in the topic, as the raw log has them. */
  let expected: string[] = [];

  beforeAll(async () => {
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    const events = createEventProducer({
      producer,
      registry: registryApi(endpoints.schemaRegistryUrl),
    });
    const type = { ...TrackPlayed, topic };
    const start = Date.UTC(2026, 0, 30, 12);
    const batch: Array<PendingEvent<Envelope>> = Array.from({ length: total }, (_, i) => ({
      type,
      key: `00000000-0000-4000-8000-${String(i % 50).padStart(12, "0")}`,
      payload: {
        playId: randomUUID(),
        trackId: `00000000-0000-4000-8000-${String(i % 50).padStart(12, "0")}`,
        userId: randomUUID(),
        listenedMs: 1_000 + i,
        trackDurationMs: 200_000,
        completed: i % 3 === 0,
        source: "simulator",
      },
      // Three event dates, and a system actor (a null userId) now and then.
      context: {
        actor:
          i % 10 === 0
            ? { userId: null, role: "system" }
            : { userId: randomUUID(), role: "listener" },
        occurredAt: new Date(start + Math.floor((i * 3 * 86_400_000) / total)),
      },
    }));
    try {
      for (let i = 0; i < batch.length; i += 500) await events.publishAll(batch.slice(i, i + 500));
    } finally {
      await producer.close();
    }
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    try {
      const ends = await admin.endOffsets(topic);
      for (const [partition, end] of ends.entries()) {
        let offset = 0n;
        while (offset < end) {
          const [fetched] = await fetcher.fetch([{ topic, partition, offset }]);
          for (const r of fetched?.records ?? []) expected.push(`${r.partition}/${r.offset}`);
          offset = fetched?.nextOffset ?? end;
        }
      }
    } finally {
      await Promise.all([admin.close(), fetcher.close()]);
    }
    expected = expected.sort();
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
    const registry = registryApi(endpoints.schemaRegistryUrl);
    for (const s of entries.flatMap((t) => t.events.map(subjectOf))) {
      await registry.deleteSubject(s).catch(() => {});
    }
  });

  /** Every (partition, offset) in the export, read in this process (a CLI start is seconds). */
  const exported = async (out: string) =>
    (
      await queryExports(
        out,
        `select _partition || '/' || _offset as position from "${topic}" order by position`,
      )
    ).rows.map((r) => r.position as string);
  const query = async (out: string, q: string) => (await queryExports(out, q)).rows;

  it("writes typed, Hive-partitioned Parquet; a second export adds nothing", async () => {
    expect(expected).toHaveLength(total);
    const out = join(work, "twice");
    const [first] = await exportTo(out);
    expect(first?.records).toBe(total);
    const dates = readdirSync(join(out, `topic=${topic}`)).filter((d) =>
      d.startsWith("event_date="),
    );
    expect(dates.sort()).toEqual(
      [
        "event_date=2026-01-30",
        "event_date=2026-01-31",
        "event_date=2026-02-01",
        "event_date=2026-02-02",
      ].slice(0, dates.length),
    );
    expect(dates.length).toBeGreaterThanOrEqual(3);

    const [second] = await exportTo(out);
    expect(second).toMatchObject({ records: 0, files: 0, removedFiles: 0 });
    expect(await exported(out)).toEqual(expected);

    const [count] = await sql(out, `select count(*) as n from "${topic}"`);
    expect(Number(count?.n)).toBe(total);

    const types = Object.fromEntries(
      (await query(out, `describe select * from "${topic}"`)).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    expect(types).toMatchObject({
      _partition: "INTEGER",
      _offset: "BIGINT",
      _timestamp: "TIMESTAMP",
      _key: "VARCHAR",
      eventId: "VARCHAR",
      occurredAt: "TIMESTAMP",
      actor_userId: "VARCHAR",
      actor_role: "VARCHAR",
      listenedMs: "INTEGER",
      completed: "BOOLEAN",
      source: "VARCHAR",
      event_date: "DATE",
    });
    const [nulls] = await query(
      out,
      `select count(*) filter (where actor_userId is null) as system, count(*) filter (where occurredAt::date <> event_date) as misfiled from "${topic}"`,
    );
    expect(Number(nulls?.system)).toBe(total / 10);
    expect(Number(nulls?.misfiled)).toBe(0);
  });

  it("killed after writing files but before recording them, run again: every record once", async () => {
    const out = join(work, "crash-at-point");
    await expect(
      exportTo(out, { VOBE_EXPORT_CRASH_AFTER_FILES: "2" }, "300"),
    ).rejects.toMatchObject({
      signal: "SIGKILL",
    });
    // Its files are on disk, but no position records them.
    const dir = join(out, `topic=${topic}`);
    const written = readdirSync(dir).filter((d) => d.startsWith("event_date="));
    expect(written.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, "_export_state.json"))).toBe(false);
    // Another chunk size: the ranges differ, so the killed run's files are not simply
    // overwritten; they must be found and removed.
    const [again] = await exportTo(out, {}, "200");
    expect(await exported(out)).toEqual(expected);
    expect(again?.removedFiles).toBeGreaterThan(0);
  });

  it("killed with SIGKILL at a random moment, run again: nothing doubled, nothing missing", async () => {
    const out = join(work, "crash-random");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "cli/main.ts",
        "export",
        topic,
        "--prefix",
        prefix,
        "--out",
        out,
        "--chunk",
        "100",
      ],
      { env, stdio: "ignore" },
    );
    const stateFile = join(out, `topic=${topic}`, "_export_state.json");
    const deadline = Date.now() + 60_000;
    // Killed once it has recorded some progress: mid-way through the topic.
    while (!existsSync(stateFile) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // It died mid-way: some chunks recorded, not all.
    const recorded = Object.values(
      (JSON.parse(readFileSync(stateFile, "utf8")) as { positions: Record<string, string> })
        .positions,
    ).reduce((sum, o) => sum + Number(o), 0);
    expect(recorded).toBeGreaterThan(0);
    expect(recorded).toBeLessThan(total);
    await exportTo(out, {}, "100");
    expect(await exported(out)).toEqual(expected);
  });

  it("refuses a restricted topic unless asked, and says why", async () => {
    const refused = vobe([
      "export",
      `${prefix}auth.credentials`,
      "--prefix",
      prefix,
      "--out",
      join(work, "r"),
    ]);
    await expect(refused).rejects.toMatchObject({ code: 1 });
    const error = (await refused.catch((e: { stderr: string }) => e)) as { stderr: string };
    expect(error.stderr).toMatch(/restricted.*Password hashes.*--allow-restricted/s);
    const internal = await vobe([
      "export",
      "vobe-plays-per-track-play-ids-changelog",
      "--out",
      join(work, "r"),
    ]).catch((e: { stderr: string }) => e);
    expect((internal as { stderr: string }).stderr).toMatch(/internal topic \(changelog\)/);
  });
});
