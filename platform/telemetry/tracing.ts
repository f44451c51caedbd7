/**
 * Distributed traces (issue 15, docs/adr/031-traces-and-logs.md): OpenTelemetry's SDK,
 * exported over OTLP/HTTP (JSON) to `OTEL_EXPORTER_OTLP_ENDPOINT`. Off when it is unset:
 * then every helper here returns undefined at the cost of one boolean check, and the
 * `traceparent` headers pass through the platform untouched.
 *
 * The trace crosses Kafka in the records' `traceparent` header (schemas/header-names.ts),
 * not in any process's memory: each hop starts a span whose parent is the traceparent it
 * received, and writes its own span's traceparent on what it produces.
 *
 *   await startTracing("vobe-api");                 // once, at process start
 *   const span = startSpan("publish plays", { parent: traceparent, kind: SpanKind.PRODUCER });
 *   headers.set("traceparent", traceparentOf(span)); span?.end();
 *   await stopTracing();                            // flushes, at shutdown
 */
import {
  type Attributes,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { parseTraceParent } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export { type Span, SpanKind };

let provider: NodeTracerProvider | undefined;
let tracer: Tracer | undefined;

export interface TracingOptions {
  /** The collector's base address (`/v1/traces` is added); default OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string | undefined;
  /** How long spans wait to be sent together; the SDK's default is 5 s. */
  scheduledDelayMs?: number;
}

/** Starts exporting spans as `service`; does nothing without an endpoint, or when started. */
export function startTracing(service: string, options: TracingOptions = {}): boolean {
  if (provider) return true;
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return false;
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        ...(options.scheduledDelayMs !== undefined
          ? { scheduledDelayMillis: options.scheduledDelayMs }
          : {}),
      }),
    ],
  });
  tracer = provider.getTracer("vobemusic");
  return true;
}

export const tracingEnabled = (): boolean => tracer !== undefined;

/** Sends the spans still waiting. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Flushes and stops; a later startTracing starts again. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  tracer = undefined;
  await stopping?.shutdown();
}

export interface SpanOptions {
  /** The W3C traceparent this span continues; a new trace without one. */
  parent?: string | Buffer | undefined;
  kind?: SpanKind;
  attributes?: Attributes;
  /** Traceparents of the other traces this span consumed (a batch). */
  links?: ReadonlyArray<string | Buffer>;
}

/** A started span, or undefined when tracing is off (or the parent was not sampled). */
export function startSpan(name: string, options: SpanOptions = {}): Span | undefined {
  if (!tracer) return undefined;
  const parent = spanContextOf(options.parent);
  // A caller that chose not to sample its trace is obeyed: no spans of ours join it.
  if (parent && (parent.traceFlags & 1) === 0) return undefined;
  const links: Link[] = [];
  for (const l of options.links ?? []) {
    const context = spanContextOf(l);
    if (context) links.push({ context });
  }
  return tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(links.length > 0 ? { links } : {}),
    },
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
  );
}

/** Ends a span, marked failed when `error` is given. */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The W3C traceparent naming `span` as the parent of what follows it. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

/** The trace id in a traceparent (for log lines), or undefined when it is not one. */
export function traceIdOf(traceparent: string | Buffer | undefined): string | undefined {
  return spanContextOf(traceparent)?.traceId;
}

function spanContextOf(traceparent: string | Buffer | undefined) {
  if (traceparent === undefined) return undefined;
  const text = typeof traceparent === "string" ? traceparent : traceparent.toString("latin1");
  return parseTraceParent(text) ?? undefined;
}

/** The spans of one batch a consumer applies at once (a sink's transaction). */
export interface BatchSpans {
  end(error?: unknown): void;
}

/** Link at most this many traces from one batch span: a replay's batch holds thousands. */
const maxLinks = 128;

/**
 * One span per traced record, each continuing its record's trace (so the trace of a click
 * reaches the view), and one span for the batch that links the traces it consumed; all
 * end together when the batch commits or fails. Undefined when tracing is off or no
 * record carries a trace.
 */
export function startBatchSpans(
  name: string,
  traceparents: Iterable<Buffer | string | undefined>,
  attributes?: Attributes,
): BatchSpans | undefined {
  if (!tracer) return undefined;
  const parents: Array<Buffer | string> = [];
  for (const t of traceparents) if (t !== undefined) parents.push(t);
  if (parents.length === 0) return undefined;
  const batch = startSpan(`${name} batch`, {
    kind: SpanKind.CONSUMER,
    links: parents.slice(0, maxLinks),
    attributes: { ...attributes, "messaging.batch.message_count": parents.length },
  });
  const spans: Span[] = [];
  for (const parent of parents) {
    const span = startSpan(name, {
      parent,
      kind: SpanKind.CONSUMER,
      ...(attributes ? { attributes } : {}),
    });
    if (span) spans.push(span);
  }
  return {
    end(error) {
      for (const span of spans) endSpan(span, error);
      endSpan(batch, error);
    },
  };
}
