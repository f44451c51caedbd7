/**
 * The console's view commands end to end, against the real broker, registry and Postgres on
 * a prefixed catalog: the gateway's routes (POST /api/ops/views/:view/rebuild|swap|rollback,
 * GET /api/ops/view-commands/:id) write a command to ops.view-commands; the sinks process's
 * runner (sinks/commands.ts, as `vobe serve sinks` starts it) runs it with the CLI's
 * functions and writes its outcome to ops.audit, which the status route reads back.
 *
 * Only operators and admins may post, a reason is required; a rebuild makes a new version,
 * caught up and live; a swap to a stale version catches it up before it goes live; one to
 * a version that does not exist is refused and says why; rollback returns to the previous
 * version; and a command is run once, even when the sinks process starts again.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditTopic, auditWriter } from "../../ops/audit/audit.ts";
import { commandStates, postViewCommand } from "../../ops/views/commands.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer } from "../../producers/index.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
import { type CommandRunner, followViewCommands } from "../../sinks/commands.ts";
import { dropAll, listVersions, versionSchema } from "../../sinks/engine/index.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import {
  createSinkRuntime,
  ensureDatabase,
  type ServedSinks,
  serveSinks,
} from "../../sinks/runtime.ts";
import { bearer, startTestApi, type TestApi } from "../support/api-app.ts";
import { brokers, testAdmin } from "../support/kafka.ts";

type Body = Record<string, unknown>;

describe("/api/ops view commands: rebuild, swap and rollback from the console", () => {
  const endpoints = inject("endpoints");
  const schemaPrefix = `t_${randomUUID().replaceAll("-", "").slice(0, 8)}_`;
  const base = `${schemaPrefix}feedback`;
  let api: TestApi;
  const tokens = { operator: "", listener: "" };
  const raw = createProducer({ brokers: brokers(), clientId: "vobe-tests-view-commands" });
  const runtime = createSinkRuntime(endpoints, "vobe-tests-view-commands");
  const lines: string[] = [];
  let served: ServedSinks | undefined;
  let runner: CommandRunner | undefined;
  let pool: Pool;
  let sent = 0;
  const placement = () => ({ topicPrefix: api.prefix, schemaPrefix });
  const startRunner = () =>
    followViewCommands(endpoints, { placement: placement(), log: (l) => lines.push(l) });

  const get = async (url: string, token = tokens.operator) => {
    const res = await api.app.inject({ method: "GET", url, headers: bearer(token) });
    return { status: res.statusCode, body: res.json() as Body };
  };
  const post = async (url: string, payload: Body, token = tokens.operator) => {
    const res = await api.app.inject({ method: "POST", url, payload, headers: bearer(token) });
    return { status: res.statusCode, body: res.json() as Body };
  };
  const submit = async (count: number) => {
    const events = createEventProducer({
      producer: raw,
      registry: registryApi(endpoints.schemaRegistryUrl),
    });
    for (let i = 0; i < count; i++) {
      const feedbackId = randomUUID();
      await events.publish(
        { ...FeedbackSubmitted, topic: api.topic(FeedbackSubmitted.topic) },
        feedbackId,
        { feedbackId, userId: null, category: "idea", message: `m${sent}`, page: null },
        { actor: { userId: null, role: "system" } },
      );
      sent++;
    }
  };
  const rowsIn = async (version: number) => {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${versionSchema(base, version)}.items`,
    );
    return rows[0]?.n;
  };
  const states = async () =>
    (await listVersions(pool, base)).map((v) => `v${v.version}:${v.state}`).join(" ");
  /** Posts a command and waits (on the runner, not a clock) for its outcome. */
  const command = async (path: string, payload: Body) => {
    const accepted = await post(`/api/ops/views/feedback/${path}`, payload);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const id = accepted.body.commandId as string;
    // The runner takes the command when its follower reads it: until then it is pending.
    for (;;) {
      await runner?.idle();
      const status = await get(`/api/ops/view-commands/${id}`);
      expect(status.status, JSON.stringify(status.body)).toBe(200);
      if (!["pending", "started"].includes(status.body.status as string)) return status.body;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const auditOf = async (commandId: string) => {
    const { body } = await get("/api/ops/audit?limit=100");
    return (body.entries as Body[])
      .filter((e) => (e.details as Body).commandId === commandId)
      .map((e) => (e.details as Body).outcome)
      .sort();
  };

  const auditCount = async () => {
    const { body } = await get("/api/ops/audit?limit=100");
    return (body.entries as Body[]).filter((e) => (e.details as Body).commandId).length;
  };

  beforeAll(async () => {
    api = await startTestApi("view-commands", { processors: [], reads: { schemaPrefix } });
    tokens.operator = await api.token({ role: "operator", username: "ops-views" });
    tokens.listener = await api.token({ role: "listener" });
    await ensureDatabase(endpoints, feedbackView.database);
    pool = createPool(databaseUrlFor(endpoints, feedbackView.database), 2);
    await submit(20);
    served = await serveSinks(runtime, [feedbackView], { ...placement(), watchMs: 300 });
    await served.sinks()[0]?.catchUp(60_000);
    runner = await startRunner();
  }, 180_000);

  afterAll(async () => {
    await runner?.close();
    await served?.stop();
    await runtime.close();
    await raw.close();
    if (pool) {
      await dropAll(pool, base);
      await pool.end();
    }
    await api?.stop();
  });

  it("lets operators post, with a reason, for a view that exists", async () => {
    for (const [path, more] of [
      ["rebuild", {}],
      ["rollback", {}],
      ["swap", { version: 1 }],
    ] as const) {
      const url = `/api/ops/views/feedback/${path}`;
      const payload = { reason: "not allowed", ...more };
      const anonymous = await api.app.inject({ method: "POST", url, payload });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.code).toBe("token_missing");
      const listener = await post(url, payload, tokens.listener);
      expect(listener.status, url).toBe(403);
      expect((listener.body.error as Body).code).toBe("role_forbidden");
      const short = await post(url, { reason: "  ok ", ...more });
      expect(short.status, url).toBe(400);
      expect((short.body.error as Body).code).toBe("reason_required");
      expect((await post(url, { ...more })).status, url).toBe(400);
    }
    // A swap names the version to make live.
    expect((await post("/api/ops/views/feedback/swap", { reason: "which one?" })).status).toBe(400);
    const unknown = await post("/api/ops/views/no-such-view/rebuild", { reason: "a test" });
    expect(unknown.status).toBe(404);
    expect((await get(`/api/ops/view-commands/${randomUUID()}`)).status).toBe(404);
    // Nothing of that reached the sinks.
    await runner?.idle();
    expect(runner?.ran()).toBe(0);
  });

  it("rebuilds a view into a new version that is caught up and live", async () => {
    const done = await command("rebuild", { reason: "schema change in items" });
    expect(done).toMatchObject({
      command: "rebuild",
      view: "feedback",
      status: "done",
      message: "v2 is built and live",
      reason: "schema change in items",
      operator: "ops-views (web console, operator)",
    });
    expect(await states()).toBe("v1:retired v2:live");
    expect(await rowsIn(2)).toBe(20);
    const views = (await get("/api/ops/views")).body.versions as Body[];
    expect(views.filter((v) => v.view === "feedback")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ version: 1, state: "retired" }),
        expect.objectContaining({ version: 2, state: "live", behind: 0, progress: 1 }),
      ]),
    );
    expect(await auditOf(done.commandId as string)).toEqual(["done", "started"]);
  }, 240_000);

  it("rolls back to the previous version, caught up first", async () => {
    await submit(5);
    const back = await command("rollback", { reason: "v2 answers slowly" });
    expect(back).toMatchObject({ status: "done", message: "v1 is live again" });
    expect(await states()).toBe("v1:live v2:retired");
    // v1 stopped reading at the rebuild's swap; it went live with the five since.
    expect(await rowsIn(1)).toBe(25);
  }, 240_000);

  it("swaps to a stale version only after catching it up; a missing one is refused", async () => {
    await submit(3);
    const missing = await command("swap", { reason: "wrong number", version: 9 });
    expect(missing).toMatchObject({ status: "refused", version: 9 });
    expect(missing.message).toMatch(/has no version 9; its versions: v1 \(live\), v2 \(retired\)/);
    expect(await states()).toBe("v1:live v2:retired");

    const swapped = await command("swap", { reason: "v2 is fixed", version: 2 });
    expect(swapped).toMatchObject({ status: "done", message: "v2 is live", version: 2 });
    expect(await states()).toBe("v1:retired v2:live");
    expect(await rowsIn(2)).toBe(28);
    expect(await auditOf(missing.commandId as string)).toEqual(["refused", "started"]);
  }, 240_000);

  it("runs a command once: a sinks process started again runs none of them a second time", async () => {
    const before = runner?.ran() ?? 0;
    expect(before).toBe(4);
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const admin = testAdmin();
    const fetcher = createFetcher({ brokers: brokers(), clientId: "vobe-tests-view-commands" });
    const outcomes = async () =>
      [...(await commandStates(admin, fetcher, auditTopic(api.prefix), (v) => registry.decode(v)))]
        .map(([id, s]) => `${id}:${s.outcome}`)
        .sort();
    try {
      await runner?.close();
      // A command the last process took and did not finish (it stopped during it).
      const interrupted = await postViewCommand(
        raw,
        registryApi(endpoints.schemaRegistryUrl),
        { command: "rebuild", view: "feedback", version: null, reason: "cut off", operator: "t" },
        { topicPrefix: api.prefix },
      );
      await auditWriter(endpoints, { topicPrefix: api.prefix, operator: "t" })(raw, {
        action: "sinks.rebuild",
        target: "feedback",
        reason: "cut off",
        details: { commandId: interrupted, outcome: "started", message: "" },
      });
      const trail = await outcomes();
      const entries = await auditCount();

      runner = await startRunner();
      // Reads the whole command topic again (from the earliest record) before it is idle.
      const status = async () => (await get(`/api/ops/view-commands/${interrupted}`)).body;
      while ((await status()).status === "started") {
        await runner.idle();
        await new Promise((r) => setTimeout(r, 200));
      }
      await runner.idle();
      expect(await status()).toMatchObject({ status: "failed" });
      expect(runner.ran()).toBe(0);
      expect(await states()).toBe("v1:retired v2:live");
      // Every earlier command's outcome stands, once; the cut-off one is closed as failed.
      const after = await outcomes();
      expect(after).toEqual(
        trail.map((t) => (t === `${interrupted}:started` ? `${interrupted}:failed` : t)),
      );
      // And nothing more was written than that one closing entry.
      expect(await auditCount()).toBe(entries + 1);
    } finally {
      await fetcher.close();
      await admin.close();
    }
  }, 240_000);
});
