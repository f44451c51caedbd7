/**
 * The operator console's routes (/api/ops) against the real broker and registry, on a
 * prefixed catalog: only admins and operators get in; a topic's records come back decoded
 * a bounded page at a time, with paging by offset; a dead letter is listed, shown whole,
 * replayed once with a reason (its original record written back, the action in ops.audit
 * naming the signed-in operator), refused a second time; lag and view versions answer.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
import { dlqHeaders } from "../../sinks/engine/dlq.ts";
import { bearer, startTestApi, type TestApi } from "../support/api-app.ts";
import { brokers } from "../support/kafka.ts";

type Body = Record<string, unknown>;

describe("/api/ops: the operator console's routes", () => {
  let api: TestApi;
  const tokens = { admin: "", operator: "", listener: "" };
  const raw = createProducer({ brokers: brokers(), clientId: "vobe-tests-api-ops" });
  const feedbackIds = [randomUUID(), randomUUID(), randomUUID()];
  let origin = "";
  let dlq = "";

  const get = async (url: string, token = tokens.admin) => {
    const res = await api.app.inject({ method: "GET", url, headers: bearer(token) });
    return { status: res.statusCode, body: res.json() as Body };
  };
  const post = async (url: string, payload: Body, token = tokens.admin) => {
    const res = await api.app.inject({ method: "POST", url, payload, headers: bearer(token) });
    return { status: res.statusCode, body: res.json() as Body };
  };

  beforeAll(async () => {
    api = await startTestApi("ops", { processors: [] });
    tokens.admin = await api.token({
      role: "admin",
      username: `ops-admin-${randomUUID().slice(0, 6)}`,
    });
    tokens.operator = await api.token({ role: "operator" });
    tokens.listener = await api.token({ role: "listener" });
    origin = api.topic(FeedbackSubmitted.topic);
    dlq = api.topic("feedback-dlq");
    const events = createEventProducer({
      producer: raw,
      registry: registryApi(inject("endpoints").schemaRegistryUrl),
    });
    const written = [];
    for (const [i, feedbackId] of feedbackIds.entries()) {
      written.push(
        await events.publish(
          { ...FeedbackSubmitted, topic: origin },
          feedbackId,
          { feedbackId, userId: null, category: "idea", message: `ops console ${i}`, page: null },
          { actor: { userId: null, role: "system" } },
        ),
      );
    }
    // One record a sink "refused", written to the view's dead-letter topic the way
    // sinks/engine/dlq.ts writes it: the original bytes with why and where from.
    await api.admin.createTopics([{ name: dlq, partitions: 1 }]);
    const first = written[0] as { partition: number; offset: bigint | string };
    const [original] = await api.readRange(
      origin,
      first.partition,
      BigInt(first.offset),
      BigInt(first.offset) + 1n,
    );
    if (!original) throw new Error("the first feedback record is not readable");
    await raw.send([
      {
        topic: dlq,
        key: original.record.key,
        value: original.record.value,
        headers: {
          ...Object.fromEntries(original.record.headers),
          [dlqHeaders.error]: `relation "items" is locked by transaction 4711`,
          [dlqHeaders.kind]: "rejected",
          [dlqHeaders.view]: "feedback",
          [dlqHeaders.topic]: origin,
          [dlqHeaders.partition]: String(original.record.partition),
          [dlqHeaders.offset]: String(original.record.offset),
          [dlqHeaders.timestamp]: "0",
        },
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await raw.close();
    await api?.stop();
  });

  it("lets in admins and operators only", async () => {
    for (const url of [
      "/api/ops/lag",
      "/api/ops/topics",
      "/api/ops/dead-letters",
      "/api/ops/audit",
    ]) {
      const anonymous = await api.app.inject({ method: "GET", url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.code).toBe("token_missing");
      const listener = await get(url, tokens.listener);
      expect(listener.status, url).toBe(403);
      expect((listener.body.error as Body).code).toBe("role_forbidden");
    }
    const skip = await post(
      `/api/ops/dead-letters/${encodeURIComponent(`${dlq}:0:0`)}/skip`,
      { reason: "not mine" },
      tokens.listener,
    );
    expect(skip.status).toBe(403);
    expect((await get("/api/ops/topics", tokens.operator)).status).toBe(200);
  });

  it("lists and describes topics with their kind", async () => {
    const catalogOnly = (await get("/api/ops/topics")).body.topics as Body[];
    expect(catalogOnly.some((t) => t.name === dlq)).toBe(false);
    const { body } = await get("/api/ops/topics?all=true");
    const topics = body.topics as Body[];
    const feedback = topics.find((t) => t.name === origin) as Body;
    expect(feedback).toMatchObject({ kind: "domain", onBroker: true, records: 3 });
    expect((feedback.catalog as Body).owner).toBe("feedback");
    expect(topics.find((t) => t.name === dlq)).toMatchObject({
      kind: "dead-letter",
      catalog: null,
    });

    const detail = await get(`/api/ops/topics/${origin}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ name: origin, records: 3 });
    expect((await get(`/api/ops/topics/${api.prefix}no.such.topic`)).status).toBe(404);
  });

  it("reads a topic's records decoded, a bounded page at a time", async () => {
    const all = await get(`/api/ops/topics/${origin}/records?limit=100`);
    expect(all.status).toBe(200);
    const records = all.body.records as Body[];
    expect(records.map((r) => (r.value as Body).feedbackId).sort()).toEqual(
      [...feedbackIds].sort(),
    );
    const one = records[0] as Body;
    expect(one.eventType).toBe(FeedbackSubmitted.name);
    expect((one.key as Body).text).toBe((one.value as Body).feedbackId);
    expect((one.value as Body).occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      (one.headers as Body[]).some(
        (h) => h.name === "vobe.event-type" || String(h.name).length > 0,
      ),
    ).toBe(true);

    // Paging one partition by offset: each page starts where the last one stopped.
    const partition = one.partition as number;
    const inPartition = records.filter((r) => r.partition === partition).length;
    const seen: string[] = [];
    let from = "from=earliest";
    for (let page = 0; page < inPartition; page++) {
      const res = await get(
        `/api/ops/topics/${origin}/records?partition=${partition}&limit=1&${from}`,
      );
      const [r] = res.body.records as Body[];
      seen.push((r as Body).offset as string);
      const next = (res.body.next as Body[]).find((n) => n.partition === partition) as Body;
      from = `from=offset&offset=${next.offset}`;
    }
    expect(new Set(seen).size).toBe(inPartition);
    const tail = await get(
      `/api/ops/topics/${origin}/records?partition=${partition}&limit=1&from=end`,
    );
    expect((tail.body.records as Body[])[0]?.offset).toBe(seen.at(-1));

    const filtered = await get(
      `/api/ops/topics/${origin}/records?where=${encodeURIComponent("message=ops console 1")}`,
    );
    expect((filtered.body.records as Body[]).map((r) => (r.value as Body).feedbackId)).toEqual([
      feedbackIds[1],
    ]);
    expect((await get(`/api/ops/topics/${origin}/records?from=end`)).status).toBe(400);
    expect((await get(`/api/ops/topics/${origin}/records?partition=99`)).status).toBe(400);
  });

  it("shows a dead letter, replays it once with a reason, and the audit trail says who", async () => {
    const list = await get("/api/ops/dead-letters");
    const letter = (list.body.letters as Body[]).find((l) => l.topic === dlq) as Body;
    expect(letter).toMatchObject({
      status: "pending",
      stage: "rejected",
      source: { kind: "view", name: "feedback" },
    });
    expect(letter.errorShape).toBe('relation "…" is locked by transaction <n>');
    const id = encodeURIComponent(letter.id as string);

    const shown = await get(`/api/ops/dead-letters/${id}`);
    expect(shown.status).toBe(200);
    expect((shown.body.value as Body).decoded).toMatchObject({ feedbackId: feedbackIds[0] });
    expect(shown.body.headers as Body[]).not.toContainEqual(
      expect.objectContaining({ name: dlqHeaders.error }),
    );

    const before = (await api.admin.endOffsets(origin)).reduce((a, b) => a + b, 0n);
    expect((await post(`/api/ops/dead-letters/${id}/replay`, { reason: " " })).status).toBe(400);
    expect((await post(`/api/ops/dead-letters/${id}/replay`, { reason: "ok" })).status).toBe(400);
    const replayed = await post(`/api/ops/dead-letters/${id}/replay`, {
      reason: "the lock is gone",
    });
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    expect(String(replayed.body.replayedTo)).toMatch(
      new RegExp(`^${origin.replaceAll(".", "\\.")}:`),
    );
    const again = await post(`/api/ops/dead-letters/${id}/skip`, { reason: "twice by mistake" });
    expect(again.status).toBe(409);
    expect((again.body.error as Body).code).toBe("already_resolved");
    // Written once: the replay's record (and its transaction's marker), no more.
    const after = (await api.admin.endOffsets(origin)).reduce((a, b) => a + b, 0n);
    expect(after - before).toBe(2n);
    const replayedRecords = (await get(`/api/ops/topics/${origin}/records?limit=100`)).body
      .records as Body[];
    expect(
      replayedRecords.filter((r) => (r.value as Body).feedbackId === feedbackIds[0]),
    ).toHaveLength(2);

    const listed = (await get("/api/ops/dead-letters")).body.letters as Body[];
    expect(listed.find((l) => l.id === letter.id)).toMatchObject({
      status: "replayed",
      resolution: { reason: "the lock is gone" },
    });
    const audit = await get("/api/ops/audit?limit=10");
    const entry = (audit.body.entries as Body[]).find((e) => e.target === letter.id) as Body;
    expect(entry).toMatchObject({ action: "dlq.replay", reason: "the lock is gone" });
    expect(entry.operator).toMatch(/^ops-admin-.* \(web console, admin\)$/);
    expect((entry.details as Body).replayedTo).toBe(replayed.body.replayedTo);
    expect((await get(`/api/ops/dead-letters/${encodeURIComponent(`${dlq}:0:99`)}`)).status).toBe(
      404,
    );
  });

  it("reports lag of every streams application and view version", async () => {
    const lag = await get("/api/ops/lag");
    expect(lag.status, JSON.stringify(lag.body)).toBe(200);
    const consumers = lag.body.consumers as Body[];
    expect(consumers.some((c) => c.kind === "application")).toBe(true);
    for (const c of consumers) expect(typeof c.behind).toBe("number");
    // A second sample gives each consumer a trend.
    const again = await get("/api/ops/lag");
    expect((again.body.consumers as Body[]).every((c) => c.trend !== null)).toBe(true);
    // The charts' samples: one per request, oldest first.
    for (const c of again.body.consumers as Body[]) {
      expect((c.history as Body[]).length).toBeGreaterThanOrEqual(2);
    }
    const views = await get("/api/ops/views");
    expect(views.status, JSON.stringify(views.body)).toBe(200);
    expect(Array.isArray(views.body.versions)).toBe(true);
  });

  it("lists the registry's subjects and diffs two versions of one", async () => {
    for (const url of ["/api/ops/registry/subjects", "/api/ops/topologies"]) {
      expect((await api.app.inject({ method: "GET", url })).statusCode, url).toBe(401);
      expect((await get(url, tokens.listener)).status, url).toBe(403);
    }
    // A second version of one subject: its schema with a field more (compatible: defaulted).
    const subject = `${origin}-${FeedbackSubmitted.name}`;
    const schema = FeedbackSubmitted.schema;
    await registryApi(inject("endpoints").schemaRegistryUrl).register(
      subject,
      JSON.stringify({
        ...schema,
        fields: [
          ...schema.fields,
          { name: "consoleNote", type: ["null", "string"], default: null, doc: "test" },
        ],
      }),
    );
    const list = await get("/api/ops/registry/subjects");
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const subjects = list.body.subjects as Body[];
    // A prefixed platform sees its own subjects only: every one a catalog event's.
    expect(subjects.length).toBeGreaterThan(10);
    expect(subjects.every((s) => String(s.subject).startsWith(api.prefix))).toBe(true);
    expect(subjects.find((s) => s.subject === subject)).toMatchObject({
      topic: origin,
      record: FeedbackSubmitted.name,
      kind: "domain",
      versions: [1, 2],
      compatibility: expect.any(String),
    });

    const diff = await get(`/api/ops/registry/subjects/${encodeURIComponent(subject)}/diff`);
    expect(diff.status, JSON.stringify(diff.body)).toBe(200);
    expect(diff.body).toMatchObject({
      from: { version: 1 },
      to: { version: 2 },
      fields: { added: ["consoleNote"], removed: [] },
    });
    const added = (diff.body.lines as Body[]).filter((l) => l.kind === "added");
    expect(added.some((l) => String(l.text).includes('"consoleNote"'))).toBe(true);
    expect(JSON.parse(String((diff.body.to as Body).schema)).fields.at(-1).name).toBe(
      "consoleNote",
    );

    const same = await get(
      `/api/ops/registry/subjects/${encodeURIComponent(subject)}/diff?from=2&to=2`,
    );
    expect(same.body).toMatchObject({ added: 0, removed: 0 });
    const bad = await get(`/api/ops/registry/subjects/${encodeURIComponent(subject)}/diff?from=9`);
    expect(bad.status).toBe(400);
    expect((bad.body.error as Body).code).toBe("unknown_version");
    const none = await get(
      `/api/ops/registry/subjects/${encodeURIComponent(`${api.prefix}nope-x.Y`)}/diff`,
    );
    expect(none.status).toBe(404);
  });

  it("describes each streams application's topology under the platform's names", async () => {
    const list = await get("/api/ops/topologies", tokens.operator);
    expect(list.status).toBe(200);
    const apps = list.body.applications as Body[];
    expect(apps.map((a) => a.applicationId)).toContain(`${api.prefix}vobe-plays-per-track`);
    const one = await get("/api/ops/topologies/plays-per-track");
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const subs = one.body.subtopologies as Array<{ nodes: Body[]; stores: Body[] }>;
    const sources = subs.flatMap((s) => s.nodes.filter((n) => n.kind === "source"));
    expect(sources.flatMap((n) => n.topics as string[])).toContain(api.topic("listening.plays"));
    const stores = subs.flatMap((s) => s.stores);
    expect(stores.map((s) => s.changelog)).toContain(
      `${api.prefix}vobe-plays-per-track-play-ids-changelog`,
    );
    expect((await get("/api/ops/topologies/no-such-app")).status).toBe(404);
  });
});
