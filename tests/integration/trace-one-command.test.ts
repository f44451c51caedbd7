/**
 * One command, one trace, and its logs (issue 15, docs/adr/031-traces-and-logs.md).
 *
 * Traces: a play reported over
 * HTTP with a W3C traceparent is followed through the real pieces on the real stack (the
 * API, the producer layer, the plays-per-track processor, the listening sink, the live SSE
 * route) and every hop's span reaches a real OTLP/HTTP receiver in ONE trace, each span
 * the child of the hop before it:
 *
 *   POST /api/listening/plays → publish <plays> → process plays-per-track
 *     → (derived record: its traceparent names the process span) → apply listening
 *                                                                 → sse plays
 *
 * Logs: the same run's log files (the API's, the sinks', the engine's, written by the
 * platform's logger) hold no e-mail, password or token, though a sign-up and a login went
 * through; shipped to daily indices of the real search engine, `vobe logs` finds the
 * play's lines by request id, trace id, process and level.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type LogQuery, searchLogs } from "../../ops/logs/search.ts";
import { createLogShipper } from "../../ops/logs/shipper.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { createLogger, loggerOptions, useProcessLogger } from "../../platform/telemetry/log.ts";
import {
  flushTracing,
  startTracing,
  stopTracing,
  tracingEnabled,
} from "../../platform/telemetry/tracing.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { createSinkRuntime, type ServedSinks, serveSinks } from "../../sinks/runtime.ts";
import { bearer, startTestApi } from "../support/api-app.ts";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "../support/otlp-receiver.ts";
import { cliEnv } from "../support/platform-children.ts";
import { cleanup, type SinkTestRun } from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

type TestApi = Awaited<ReturnType<typeof startTestApi>>;

const exec = promisify(execFile);
const fileLog = (file: string) => pino.destination({ dest: file, sync: true, mkdir: true });

describe("one command, one trace over every hop", () => {
  let receiver: OtlpReceiver;
  let api: TestApi;
  let address: string;
  let run: SinkTestRun;
  let runtime: ReturnType<typeof createSinkRuntime>;
  let served: ServedSinks | undefined;
  let logDir: string;
  const logFile = (process: string) => join(logDir, `${process}.log`);
  // What the run leaves in the logs: the scan below looks for each of these.
  const secrets: string[] = [];
  const traceId = randomUUID().replaceAll("-", "");
  const clientSpan = randomUUID().replaceAll("-", "").slice(0, 16);
  const requestId = `trace-req-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), "vobe-trace-logs-"));
    // Every logger of the run writes JSON lines to files, as under `vobe start`.
    useProcessLogger(createLogger("processors", { destination: fileLog(logFile("processors")) }));
    const sinksLog = createLogger("sinks", { destination: fileLog(logFile("sinks")) });
    receiver = await startOtlpReceiver();
    // Before the app is built: the API installs its request spans only when tracing is on.
    expect(startTracing("vobe-tests", { endpoint: receiver.endpoint, scheduledDelayMs: 100 })).toBe(
      true,
    );
    // What a play needs: accounts (tokens), the catalog (the track exists), and its counter.
    api = await startTestApi("trace", {
      processors: ["identity-owners", "account-snapshots", "catalog-snapshots", "plays-per-track"],
      logger: { ...loggerOptions("api"), stream: fileLog(logFile("api")) },
    });
    address = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const id = randomUUID().replaceAll("-", "").slice(0, 8);
    const endpoints = inject("endpoints");
    run = {
      id,
      topicPrefix: api.prefix,
      schemaPrefix: `t_${id}_`,
      indexPrefix: `test-trace-${id}-`,
      endpoints,
      applicationName: `vobe-trace-test-${id}`,
    };
    runtime = createSinkRuntime(endpoints, `vobe-tests-trace-${id}`);
    served = await serveSinks(runtime, [listeningView], {
      schemaPrefix: run.schemaPrefix,
      topicPrefix: run.topicPrefix,
      maxWaitMs: 50,
      log: { info: (m) => sinksLog.info(m), warn: (m) => sinksLog.warn(m) },
    });
  }, 120_000);

  afterAll(async () => {
    await stopTracing();
    await served?.stop();
    await runtime?.close();
    await api?.stop();
    if (run) await cleanup(run, [listeningView]);
    await receiver?.close();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  const command = async (url: string, token: string, payload: object, headers = {}) => {
    const res = await api.app.inject({
      method: "POST",
      url,
      headers: { ...bearer(token), ...headers },
      payload,
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  };

  it("joins the request, the event, the processor, the derived record, the sink and the SSE message", async () => {
    const artist = await api.token({ role: "artist" });
    const { id: artistId } = await command("/api/artist/artists", artist, { name: "Tracer" });
    const { id: albumId } = await command("/api/artist/albums", artist, {
      artistId,
      title: "Spans",
      releaseDate: "2026-01-01",
      genre: "ambient",
    });
    const { id: trackId } = await command("/api/artist/tracks", artist, {
      albumId,
      title: "Hop",
      durationMs: 2_000,
      trackNumber: 1,
      genre: "ambient",
    });
    // A person signs up and logs in: their e-mail, password and token pass through the API.
    const id = randomUUID().slice(0, 8);
    const person = {
      username: `tracer_${id}`,
      email: `Tracer.${id}@Example.com`,
      password: `secret-horse-${id}`,
      displayName: `Tracer ${id}`,
      role: "listener" as const,
    };
    const signup = await api.app.inject({
      method: "POST",
      url: "/api/auth/signup",
      payload: person,
    });
    expect(signup.statusCode, signup.body).toBe(201);
    const login = await eventually(
      async () =>
        api.app.inject({
          method: "POST",
          url: "/api/auth/login",
          payload: { usernameOrEmail: person.email, password: person.password },
        }),
      (res) => res.statusCode === 200,
      20_000,
    );
    expect(login.statusCode, login.body).toBe(200);
    const listener = login.json().token as string;
    secrets.push(person.email, person.email.toLowerCase(), person.password, listener, artist);

    const live = await openSse(`${address}/api/live/plays?tracks=${trackId}`);
    try {
      await eventually(
        async () => {
          // The catalog's snapshot must have the track before a play of it is accepted.
          const res = await api.app.inject({
            method: "POST",
            url: "/api/listening/plays",
            headers: {
              ...bearer(listener),
              traceparent: `00-${traceId}-${clientSpan}-01`,
              "x-request-id": requestId,
            },
            payload: { plays: [{ trackId, listenedMs: 1_000, trackDurationMs: 2_000 }] },
          });
          return res.statusCode;
        },
        (status) => status === 202,
        20_000,
      );
      const message = await live.next("plays", 20_000);
      expect(message.data).toMatchObject({ trackId, plays: 1 });

      // The view applies the play itself too (the history): wait for its derived record's.
      const complete = (got: ReceivedSpan[]) => {
        const processed = new Set(
          got.filter((s) => s.name.startsWith("process ")).map((s) => s.spanId),
        );
        return (
          got.some((s) => s.name === "apply listening" && processed.has(s.parentSpanId)) &&
          got.some((s) => s.name === "sse plays")
        );
      };
      const spans = await eventually(
        async () => {
          await flushTracing();
          return receiver.spans().filter((s) => s.traceId === traceId);
        },
        complete,
        20_000,
      );
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const named = (prefix: string) => {
        const found = spans.find((s) => s.name.startsWith(prefix));
        expect(
          found,
          `a "${prefix}…" span in ${spans.map((s) => s.name).join(", ")}`,
        ).toBeDefined();
        return found as ReceivedSpan;
      };
      /** The names from a span up to the trace's root (the client's span, not ours). */
      const chain = (span: ReceivedSpan): string[] => {
        const names = [span.name];
        let at = span;
        while (byId.has(at.parentSpanId)) {
          at = byId.get(at.parentSpanId) as ReceivedSpan;
          names.push(at.name);
        }
        expect(at.parentSpanId, `${names.join(" ← ")} ends at the client's span`).toBe(clientSpan);
        return names;
      };

      // The accepted request's span is the event's parent (earlier tries answered 404).
      const publish = named(`publish ${api.prefix}listening.plays`);
      const http = byId.get(publish.parentSpanId) as ReceivedSpan;
      expect(http?.name).toBe("POST /api/listening/plays");
      expect(http.attributes).toMatchObject({
        "vobe.request.id": requestId,
        "http.response.status_code": 202,
      });
      const processing = named("process ");
      expect(chain(processing)).toEqual([processing.name, publish.name, http.name]);

      // The derived record the SSE message shows carries the processor's span as its parent.
      const [topic, partition, offset] = message.id.split(":") as [string, string, string];
      const { record } = await api.readRecord({
        eventId: "",
        topic,
        partition: Number(partition),
        offset,
      });
      const derivedParent = record.headers.get("traceparent")?.toString().split("-")[2];
      expect(derivedParent).toBe(processing.spanId);

      const apply = spans.find(
        (s) => s.name === "apply listening" && s.parentSpanId === processing.spanId,
      );
      expect(apply, "the sink's span continues from the derived record").toBeDefined();
      const sse = named("sse plays");
      expect(chain(sse)).toEqual([sse.name, processing.name, publish.name, http.name]);

      // The batches link the traces they consumed: the processor's commit and the sink's batch.
      const linked = receiver
        .spans()
        .filter((s) => s.links.some((l) => l.traceId === traceId))
        .map((s) => s.name.split(" ")[0]);
      expect(linked).toEqual(expect.arrayContaining(["commit", "apply"]));
      expect(spans.map((s) => s.service)).toContain("vobe-tests");
      expect(tracingEnabled()).toBe(true);
    } finally {
      live.close();
    }
  }, 90_000);

  it("hold no e-mail, password or token; shipped to daily indices, found by request, trace, process and level", async () => {
    const files = ["api", "processors", "sinks"].map(logFile);
    const text = (await Promise.all(files.map((f) => readFile(f, "utf8").catch(() => "")))).join(
      "",
    );
    const lines = text.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
    expect(text).not.toMatch(/\beyJ[A-Za-z0-9_-]{5,}\./);
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]/i);
    // Every line is JSON naming its process; the play's carry its request and trace ids.
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.every((l) => typeof l.process === "string" && typeof l.level === "number")).toBe(
      true,
    );
    expect(parsed.some((l) => l.requestId === requestId && l.traceId === traceId)).toBe(true);

    const indexPrefix = `test-logs-${randomUUID().slice(0, 8)}-`;
    const engine: SearchEngine = await connectSearch(inject("endpoints"));
    const shipper = createLogShipper({
      engine,
      files: [...files, logFile("guide")],
      statePath: join(logDir, "shipper.json"),
      indexPrefix,
    });
    let indices: string[] = [];
    try {
      const first = await shipper.shipOnce();
      indices = first.indices;
      expect(first.shipped).toBeGreaterThanOrEqual(lines.length);
      const day = new Date().toISOString().slice(0, 10).replaceAll("-", ".");
      expect(indices).toContain(`${indexPrefix}${day}`);
      // Shipping again sends nothing new: the offsets are kept.
      expect((await shipper.shipOnce()).shipped).toBe(0);
      await engine.refresh(`${indexPrefix}*`);
      const count = async () =>
        (await engine.search(`${indexPrefix}*`, { size: 0, track_total_hits: true })).total;
      const stored = await count();
      expect(stored).toBe(first.shipped);
      // Offsets lost (a crash before they were saved): every line again, onto its own document.
      await rm(join(logDir, "shipper.json"));
      const reshipped = await shipper.shipOnce();
      expect(reshipped.shipped).toBeGreaterThanOrEqual(first.shipped);
      await engine.refresh(`${indexPrefix}*`);
      expect(await count(), "as many documents as lines: none doubled").toBe(reshipped.shipped);

      // The command once (a process costs seconds); the other questions in-process.
      const { stdout } = await exec(
        "./vobe",
        ["logs", "--no-ship", "--json", "--index-prefix", indexPrefix, "--request", requestId],
        { env: { ...process.env, ...cliEnv(inject("endpoints"), {}) }, timeout: 60_000 },
      );
      const byRequest = stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(byRequest.length).toBeGreaterThan(0);
      expect(byRequest.every((l) => l.requestId === requestId && l.process === "api")).toBe(true);
      const search = (query: Omit<LogQuery, "indexPrefix">) =>
        searchLogs(engine, { ...query, indexPrefix });
      const byTrace = await search({ traceId, process: "api", level: "info" });
      expect(byTrace.map((l) => l.requestId)).toContain(requestId);
      expect(await search({ traceId, level: "error" })).toEqual([]);
      expect(await search({ traceId, process: "sinks" })).toEqual([]);
    } finally {
      for (const index of indices) await engine.deleteIndex(index);
      await engine.close();
    }
  }, 90_000);
});

/** A minimal EventSource over fetch: the next `event:` block of a name. */
async function openSse(url: string) {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(event: string, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map(
            block
              .split("\n")
              .filter((l) => !l.startsWith(":") && l.includes(":"))
              .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trimStart()]),
          );
          if (fields.get("event") === event) {
            return {
              id: fields.get("id") as string,
              data: JSON.parse(fields.get("data") as string) as Record<string, unknown>,
            };
          }
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event} message within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no ${event} message within ${timeoutMs} ms`)),
              left,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error("the stream ended");
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => abort.abort(),
  };
}
