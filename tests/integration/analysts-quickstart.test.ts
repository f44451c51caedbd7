import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { exportTopic } from "../../ops/export/export.ts";
import { kafkaSaslFor } from "../../platform/config/kafka-credentials.ts";
import { createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";
import { readStackSecrets } from "../../stack/secrets.ts";
import { analystsPython } from "../support/python-venv.ts";

const run = promisify(execFile);
const docs = resolve(import.meta.dirname, "../../docs");

/**
 * The quickstart's code (docs/analysts/*.py, shown verbatim in docs/analysts.md) runs
 * against the real broker and registry, in a venv with the pinned packages from PyPI:
 * the Python reader decodes what the platform wrote, and the DuckDB query answers over
 * a `vobe export`.
 */
describe("the analysts' quickstart", { timeout: 600_000 }, () => {
  const endpoints = inject("endpoints");
  const prefix = `test.analysts.${randomUUID().slice(0, 8)}.`;
  const topic = `${prefix}listening.plays`;
  const entries = prefixedCatalog(
    prefix,
    catalog.filter((t) => t.name === "listening.plays"),
  );
  const out = mkdtempSync(join(tmpdir(), "vobe-analysts-"));
  const plays = Array.from({ length: 12 }, (_, i) => ({
    playId: randomUUID(),
    trackId: randomUUID(),
    userId: randomUUID(),
    listenedMs: 10_000 * (i + 1),
    trackDurationMs: 200_000,
    completed: i % 2 === 0,
    source: i < 8 ? ("web" as const) : ("simulator" as const),
  }));
  let python = "";

  /** SASL settings as an analyst would export them; the test's principal when the broker asks for one. */
  const saslEnv = (principal?: string): NodeJS.ProcessEnv => {
    const secrets = readStackSecrets();
    if (principal && secrets?.kafkaSaslListener && secrets.kafka[principal]) {
      return { KAFKA_SASL_USERNAME: principal, KAFKA_SASL_PASSWORD: secrets.kafka[principal] };
    }
    const sasl = kafkaSaslFor(endpoints.kafkaBrokers);
    return sasl
      ? {
          KAFKA_SASL_USERNAME: sasl.username,
          KAFKA_SASL_PASSWORD: sasl.password,
          KAFKA_SASL_MECHANISM: sasl.mechanism,
        }
      : {};
  };
  const py = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
    run(python, [join(docs, "analysts", script), ...args], {
      env: {
        PATH: process.env.PATH,
        KAFKA_BOOTSTRAP: endpoints.kafkaBrokers.join(","),
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        ...env,
      },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });

  beforeAll(async () => {
    python = await analystsPython();
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    try {
      const events = createEventProducer({
        producer,
        registry: registryApi(endpoints.schemaRegistryUrl),
      });
      await events.publishAll(
        plays.map((p, i) => ({
          type: { ...TrackPlayed, topic },
          key: p.trackId,
          payload: p,
          context: {
            actor: { userId: p.userId, role: "listener" as const },
            occurredAt: new Date(Date.UTC(2026, 1, 10 + (i % 2), 9)),
          },
        })),
      );
    } finally {
      await producer.close();
    }
  });

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
    const registry = registryApi(endpoints.schemaRegistryUrl);
    for (const s of entries.flatMap((t) => t.events.map(subjectOf)))
      await registry.deleteSubject(s).catch(() => {});
  });

  it("docs/analysts.md shows the scripts the test runs, verbatim", () => {
    const guide = readFileSync(join(docs, "analysts.md"), "utf8");
    for (const script of ["read_topic.py", "query_export.py"]) {
      expect(guide).toContain(readFileSync(join(docs, "analysts", script), "utf8").trim());
    }
  });

  it("the Python reader decodes every record through the registry's ccompat API", async () => {
    const { stdout, stderr } = await py("read_topic.py", [topic], saslEnv());
    type Line = { key: string; type: string; value: Record<string, unknown> };
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(stderr).toContain(`${plays.length} records`);
    expect(lines).toHaveLength(plays.length);
    const byPlay = new Map(lines.map((l) => [l.value.playId, l]));
    for (const [i, p] of plays.entries()) {
      const line = byPlay.get(p.playId) as Line;
      expect(line).toMatchObject({ key: p.trackId, type: "TrackPlayed" });
      expect(line.value).toMatchObject({ ...p, actor: { userId: p.userId, role: "listener" } });
      expect(line.value.occurredAt).toBe(`2026-02-${10 + (i % 2)}T09:00:00+00:00`);
    }
  });

  it("reads a real topic as the analyst principal when the broker asks who is reading", async () => {
    const { stdout } = await py(
      "read_topic.py",
      ["artist.tracks", "--max", "3"],
      saslEnv("analyst"),
    );
    for (const line of stdout.trim().split("\n").filter(Boolean)) {
      expect(JSON.parse(line)).toMatchObject({ type: "TrackCreated" });
    }
  });

  it("the DuckDB query answers over a vobe export", async () => {
    await exportTopic({
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.schemaRegistryUrl,
      entry: entries[0] as (typeof entries)[number],
      out,
    });
    const { stdout } = await py("query_export.py", [], { EXPORT_DIR: out, TOPIC: topic });
    // (event_date, source, plays, listeners, avg_seconds) per day and source.
    expect(stdout.trim()).toBe(
      "[(datetime.date(2026, 2, 10), 'simulator', 2, 2, 100.0), (datetime.date(2026, 2, 10), 'web', 4, 4, 40.0), " +
        "(datetime.date(2026, 2, 11), 'simulator', 2, 2, 110.0), (datetime.date(2026, 2, 11), 'web', 4, 4, 50.0)]",
    );
  });
});
