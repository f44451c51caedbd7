/**
 * Forwards `/api/<service>` and `/api/<service>/*` to a service that runs in another
 * process: method, path, query, headers and body go through as they are (the body is
 * streamed, never parsed here), and the service's status, headers and body come back
 * streamed. The gateway's request id goes along as x-request-id.
 *
 *   await app.register(proxyRoutes, { service: "comment", base: "http://127.0.0.1:8091" });
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../http/errors.ts";
import { requestTraceparent } from "../http/tracing.ts";

export interface ProxyOptions {
  service: string;
  base: string;
  /** How long the service may take to answer with its headers (ms). */
  timeoutMs: number;
}

/** Hop-by-hop headers, and those fetch sets itself. */
const notForwarded = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "accept-encoding",
]);
/** Not copied back: the body is re-framed (and fetch has decoded any compression). */
const notReturned = new Set([...notForwarded, "content-encoding", "x-request-id"]);

/** Whether an answer carries the platform's error body: `{ error: { code, … } }`. */
async function isPlatformError(res: Response): Promise<boolean> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown } };
    return typeof body?.error?.code === "string";
  } catch {
    return false;
  }
}

const proxyRoutes: FastifyPluginAsync<ProxyOptions> = async (app, { service, base, timeoutMs }) => {
  // Bodies stay streams: the service parses (and limits) them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || notForwarded.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    headers.set("x-request-id", request.id);
    // With tracing on, the service's request span is a child of the gateway's.
    const traceparent = requestTraceparent(request);
    if (traceparent) headers.set("traceparent", traceparent);
    headers.set("accept-encoding", "identity");
    const forwardedFor = request.headers["x-forwarded-for"];
    headers.set("x-forwarded-for", forwardedFor ? `${forwardedFor}, ${request.ip}` : request.ip);
    headers.set("x-forwarded-proto", request.protocol);
    if (request.headers.host) headers.set("x-forwarded-host", request.headers.host);

    const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    // A client that goes away cancels the call.
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    let res: Response;
    try {
      res = await fetch(new URL(request.url, base), {
        method: request.method,
        headers,
        ...(hasBody ? { body: request.body as ReadableStream, duplex: "half" } : {}),
        signal: controller.signal,
        redirect: "manual",
      } as RequestInit);
    } catch (error) {
      const timedOut = controller.signal.aborted;
      request.log.warn({ service, err: error }, "proxied call failed");
      throw new ApiError(
        timedOut ? 504 : 503,
        timedOut ? "service_timeout" : "service_unavailable",
        timedOut
          ? `the ${service} service did not answer within ${timeoutMs} ms`
          : `the ${service} service is unavailable; retry later`,
      );
    } finally {
      clearTimeout(timer);
    }
    // A service that is shutting down answers 503 itself (Fastify's own body, not the
    // platform's error): said in the gateway's words, like a service that is gone.
    if (res.status === 503 && !(await isPlatformError(res.clone()))) {
      await res.body?.cancel();
      throw new ApiError(
        503,
        "service_unavailable",
        `the ${service} service is unavailable; retry later`,
      );
    }
    reply.status(res.status);
    res.headers.forEach((value, name) => {
      if (!notReturned.has(name) && name !== "set-cookie") reply.header(name, value);
    });
    const cookies = res.headers.getSetCookie();
    if (cookies.length > 0) reply.header("set-cookie", cookies);
    if (!res.body) return reply.send();
    return reply.send(Readable.fromWeb(res.body as NodeReadableStream));
  };

  const methods = ["DELETE", "GET", "PATCH", "POST", "PUT"];
  const schema = { hide: true };
  app.route({ method: methods, url: `/api/${service}`, schema, handler });
  app.route({ method: methods, url: `/api/${service}/*`, schema, handler });
};

export default proxyRoutes;
