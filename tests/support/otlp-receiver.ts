/**
 * A real OTLP/HTTP trace receiver for the tests: `POST /v1/traces` with an OTLP JSON body
 * (ExportTraceServiceRequest, as the OTLP/HTTP exporters send it; gzip or not), answered
 * with an empty ExportTraceServiceResponse. Any other content type is refused with 415,
 * so a test notices an exporter that speaks something else.
 *
 *   const receiver = await startOtlpReceiver();     // receiver.endpoint: http://127.0.0.1:<port>
 *   … receiver.spans() … await receiver.close();
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a trace's root. */
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  links?: Array<{ traceId: string; spanId: string }>;
}
interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/** OTLP JSON spells ids in hex; a base64 id (protobuf's JSON mapping) is converted. */
const hexId = (id: string | undefined, bytes: number): string => {
  if (!id) return "";
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`, "i").test(id)) return id.toLowerCase();
  return Buffer.from(id, "base64").toString("hex");
};

const plainValue = (v: AnyValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue));

const attributesOf = (kvs: KeyValue[] | undefined) =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, plainValue(kv.value)]));

export async function startOtlpReceiver() {
  const received: ReceivedSpan[] = [];
  let requests = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      if (!request.headers["content-type"]?.startsWith("application/json")) {
        response.writeHead(415).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      let parsed: ExportRequest;
      try {
        parsed = JSON.parse(body.toString("utf8")) as ExportRequest;
      } catch {
        response.writeHead(400).end();
        return;
      }
      requests += 1;
      for (const rs of parsed.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)["service.name"] ?? "");
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            received.push({
              traceId: hexId(s.traceId, 16),
              spanId: hexId(s.spanId, 8),
              parentSpanId: hexId(s.parentSpanId, 8),
              name: s.name,
              kind: s.kind,
              service,
              attributes: attributesOf(s.attributes),
              links: (s.links ?? []).map((l) => ({
                traceId: hexId(l.traceId, 16),
                spanId: hexId(l.spanId, 8),
              })),
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Every span received so far. */
    spans: (): readonly ReceivedSpan[] => received,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;
