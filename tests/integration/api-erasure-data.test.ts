/**
 * Issue 12, defect 5: erasure against an append-only log (docs/adr/019-erasure.md). The
 * personal fields of the auth events are sealed with a per-user key that erasure destroys.
 * Proven on the raw topics: every byte of every record (keys, values, headers, aborted
 * transactions included) of every topic of the run — the auth topics, the derived ones and
 * the processors' changelogs and repartition topics — holds neither the e-mail, nor the
 * display names, nor the password hash; and an auth view rebuilt from the topics after the
 * erasure holds no row for the user.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createFetcher, type FetchPosition } from "../../platform/kafka/index.ts";
import { createKeyStore } from "../../platform/pii/key-store.ts";
import { personalFields } from "../../platform/pii/personal-fields.ts";
import { openFields } from "../../platform/pii/seal.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { quote } from "../../sinks/engine/index.ts";
import { authView } from "../../sinks/postgres/auth/view.ts";
import { activate, createSinkRuntime, sinkFor } from "../../sinks/runtime.ts";
import { bearer, startTestApi, type TestApi } from "../support/api-app.ts";
import { processorsCaughtUp } from "../support/processors-caught-up.ts";
import { cleanup, sinkTestRun } from "../support/sinks-fixtures.ts";

const person = (tag: string) => {
  const id = randomUUID().slice(0, 8);
  return {
    username: `${tag}_${id}`,
    email: `Erase.Me.${id}@Example.com`,
    password: "correct horse battery",
    displayName: `Secret Name ${id}`,
    role: "listener" as const,
  };
};

/** Every record's raw bytes (key, value, header values) of a topic, aborted ones too. */
async function rawBytes(
  fetcher: ReturnType<typeof createFetcher>,
  admin: TestApi["admin"],
  topic: string,
): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const ends = await admin.endOffsets(topic);
  let positions: FetchPosition[] = ends
    .map((end, partition) => ({ topic, partition, offset: 0n, end }))
    .filter((p) => p.end > 0n)
    .map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  for (let idle = 0; positions.length > 0 && idle < 50; ) {
    const fetched = await fetcher.fetch(positions, { isolation: "read_uncommitted" });
    let moved = false;
    for (const part of fetched) {
      for (const r of part.records) {
        if (r.key) out.push(r.key);
        if (r.value) out.push(r.value);
        for (const value of r.headers.values()) out.push(value);
      }
      const at = positions.find((p) => p.partition === part.partition);
      if (at && part.nextOffset > at.offset) {
        at.offset = part.nextOffset;
        moved = true;
      }
    }
    idle = moved ? 0 : idle + 1;
    positions = positions.filter((p) => p.offset < (ends[p.partition] ?? 0n));
  }
  if (positions.length > 0) throw new Error(`${topic}: could not read to the end`);
  return out;
}

describe("erasure shreds the personal data in every topic (crypto-shredding)", () => {
  let api: TestApi;
  const endpoints = inject("endpoints");
  const keys = createKeyStore(createPool(databaseUrlFor(endpoints, "auth"), 1));
  const run = sinkTestRun(endpoints, "erasure-data");
  const runtime = createSinkRuntime(run.endpoints, `vobe-tests-erasure-${run.id}`);
  let fetcher: ReturnType<typeof createFetcher>;

  beforeAll(async () => {
    api = await startTestApi("erasure-data");
    fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-erasure" });
  });
  afterAll(async () => {
    await fetcher?.close();
    await runtime.close();
    await cleanup(run, [authView]);
    await api?.stop();
    await keys.close();
  });

  const post = (url: string, payload: object, token?: string) =>
    api.app.inject({
      method: url.endsWith("/me") ? "PATCH" : "POST",
      url,
      payload,
      ...(token ? { headers: bearer(token) } : {}),
    });

  /** Every record of a topic of the run, decoded. */
  const readAll = async (name: string) => {
    const ends = await api.admin.endOffsets(api.topic(name));
    const parts = await Promise.all(
      ends.map((end, partition) => api.readRange(api.topic(name), partition, 0n, end)),
    );
    return parts.flat();
  };

  /** Which needles occur in any record of any topic of the run. */
  const found = async (needles: readonly string[]) => {
    const topics = (await api.admin.listTopics()).filter((t) => t.startsWith(api.prefix));
    const hits = new Set<string>();
    let records = 0;
    for (const topic of topics) {
      for (const bytes of await rawBytes(fetcher, api.admin, topic)) {
        records++;
        for (const n of needles) if (bytes.includes(Buffer.from(n, "utf8"))) hits.add(n);
      }
    }
    return { hits: [...hits].sort(), topics: topics.length, records };
  };

  it("leaves no e-mail, name or password hash in any topic, and a rebuilt view no row", async () => {
    const gone = person("gone");
    const kept = person("kept");
    const renamed = `Renamed Secret ${randomUUID().slice(0, 8)}`;
    const goneId = (await post("/api/auth/signup", gone)).json().userId as string;
    const keptId = (await post("/api/auth/signup", kept)).json().userId as string;
    const { token } = (
      await post("/api/auth/login", { usernameOrEmail: gone.email, password: gone.password })
    ).json();
    expect(
      (await post("/api/auth/me", { displayName: renamed, bio: "bio" }, token)).statusCode,
    ).toBe(202);

    // Positive control: while the key exists the sealed fields open to the plain text.
    const key = await keys.get(goneId);
    expect(key).toBeDefined();
    const mine = (await readAll("auth.users")).find(
      (r) => r.record.key?.toString() === goneId && (r.value as { email?: string }).email,
    );
    expect(
      openFields(key, goneId, mine?.value as object, personalFields.UserRegistered),
    ).toMatchObject({ email: gone.email, displayName: gone.displayName });
    const sealedHash = (await readAll("auth.credentials")).find(
      (r) => r.record.key?.toString() === goneId,
    )?.value;
    const passwordHash = openFields(key, goneId, sealedHash as { passwordHash: string }, [
      "passwordHash",
    ])?.passwordHash as string;
    expect(passwordHash).toMatch(/^\$argon2id\$/);

    const erased = await api.app.inject({
      method: "DELETE",
      url: "/api/auth/me",
      headers: bearer(token),
    });
    expect(erased.statusCode).toBe(202);
    expect(await keys.get(goneId)).toBeUndefined();
    // Everything the processors derive from these events is written before the scan.
    await processorsCaughtUp({
      admin: api.admin,
      topicPrefix: api.prefix,
      topologies: checkTopologies,
    });

    const needles = [
      gone.email,
      gone.email.toLowerCase(),
      gone.displayName,
      renamed,
      passwordHash,
      kept.email,
      kept.displayName,
    ];
    const scan = await found([...needles, goneId]);
    console.log(
      `scanned ${scan.records} records' keys, values and headers in ${scan.topics} topics`,
    );
    // The scanner sees the records (the user id is the key of the account's records)…
    expect(scan.hits).toContain(goneId);
    // …and no personal field in clear, of the erased user or of a live one.
    expect(scan.hits.filter((h) => h !== goneId)).toEqual([]);

    // A rebuild: the auth view's sink replays the topics into a fresh schema.
    const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: api.prefix, maxWaitMs: 50 };
    const version = await activate(runtime, authView, placement);
    const pool = await runtime.pool(authView.database);
    const sink = sinkFor(runtime, authView, pool, version, placement);
    await sink.start();
    try {
      await sink.catchUp(30_000);
    } finally {
      await sink.stop();
    }
    const { rows } = await pool.query(
      `select user_id, username, display_name from ${quote(`${run.schemaPrefix}auth`)}.users
        where user_id = any($1::uuid[])`,
      [[goneId, keptId]],
    );
    expect(rows).toEqual([
      { user_id: keptId, username: kept.username, display_name: kept.displayName },
    ]);
  });
});
