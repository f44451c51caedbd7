/**
 * One command, one trace (issue 15, docs/adr/031-traces-and-logs.md): a play reported over
 * HTTP with a W3C traceparent is followed through the real pieces on the real stack (the
 * API, the producer layer, the plays-per-track processor, the listening sink, the live SSE
 * route) and every hop's span reaches a real OTLP/HTTP receiver in ONE trace, each span
 * the child of the hop before it:
 *
 *   POST /api/listening/plays → publish <plays> → process plays-per-track
 *     → (derived record: its traceparent names the process span) → apply listening
 *                                                                 → sse plays
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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
import { cleanup, type SinkTestRun } from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

type TestApi = Awaited<ReturnType<typeof startTestApi>>;

describe("one command, one trace over every hop", () => {
  let receiver: OtlpReceiver;
  let api: TestApi;
  let address: string;
  let run: SinkTestRun;
  let runtime: ReturnType<typeof createSinkRuntime>;
  let served: ServedSinks | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // Before the app is built: the API installs its request spans only when tracing is on.
    expect(startTracing("vobe-tests", { endpoint: receiver.endpoint, scheduledDelayMs: 100 })).toBe(
      true,
    );
    // What a play needs: accounts (tokens), the catalog (the track exists), and its counter.
    api = await startTestApi("trace", {
      processors: ["identity-owners", "account-snapshots", "catalog-snapshots", "plays-per-track"],
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
    });
  }, 120_000);

  afterAll(async () => {
    await stopTracing();
    await served?.stop();
    await runtime?.close();
    await api?.stop();
    if (run) await cleanup(run, [listeningView]);
    await receiver?.close();
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
    const listener = await api.token({ role: "listener" });

    const live = await openSse(`${address}/api/live/plays?tracks=${trackId}`);
    try {
      const traceId = randomUUID().replaceAll("-", "");
      const clientSpan = randomUUID().replaceAll("-", "").slice(0, 16);
      await eventually(
        async () => {
          // The catalog's snapshot must have the track before a play of it is accepted.
          const res = await api.app.inject({
            method: "POST",
            url: "/api/listening/plays",
            headers: {
              ...bearer(listener),
              traceparent: `00-${traceId}-${clientSpan}-01`,
              "x-request-id": "trace-req-1",
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
        "vobe.request.id": "trace-req-1",
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
