/**
 * The HTTP hop of a trace (docs/adr/031-traces-and-logs.md): a server span per request,
 * continuing the client's W3C `traceparent` when it sends a valid, sampled one, a new trace
 * otherwise. The events a request produces are children of this span (request-context.ts
 * hands its traceparent to the producer layer). Nothing happens with tracing off.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  endSpan,
  type Span,
  SpanKind,
  startSpan,
  traceIdOf,
  traceparentOf,
  tracingEnabled,
} from "../../platform/telemetry/tracing.ts";

const spans = new WeakMap<FastifyRequest, Span>();

/** The traceparent naming the request's span, when tracing is on. */
export function requestTraceparent(request: FastifyRequest): string | undefined {
  const span = spans.get(request);
  return span ? traceparentOf(span) : undefined;
}

/**
 * Request spans when tracing is on; with it on or off, the request's log lines carry the
 * trace id (the span's, else the client's traceparent's) next to the request id.
 */
export function installTracing(app: FastifyInstance): void {
  const tracing = tracingEnabled();
  // A callback hook, not an async one: no promise per request for a line's trace id.
  app.addHook("onRequest", (request, reply, done) => {
    const header = request.headers.traceparent;
    const given = typeof header === "string" ? header : undefined;
    let traceId = traceIdOf(given);
    if (tracing) {
      const route = request.routeOptions.url ?? "unmatched";
      const span = startSpan(`${request.method} ${route}`, {
        parent: given,
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "http.route": route,
          "vobe.request.id": request.id,
        },
      });
      if (span) {
        spans.set(request, span);
        traceId = span.spanContext().traceId;
        // A live stream is hijacked and never reaches onResponse: its span ends when it closes.
        reply.raw.once("close", () => finish(request, reply.raw.statusCode));
      }
    }
    if (traceId) {
      // Both: Fastify's "request completed" line is written through the reply's logger.
      const log = request.log.child({ traceId });
      request.log = log;
      reply.log = log;
    }
    done();
  });
  if (tracing) {
    app.addHook("onResponse", async (request, reply) => finish(request, reply.statusCode));
  }
}

function finish(request: FastifyRequest, status: number): void {
  const span = spans.get(request);
  if (!span) return;
  spans.delete(request);
  span.setAttribute("http.response.status_code", status);
  endSpan(span, status >= 500 ? new Error(`HTTP ${status}`) : undefined);
}
