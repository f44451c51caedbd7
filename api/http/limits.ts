/**
 * The request line's and the headers' size limits, answered in the usual error shape
 * (`{ error: { code, message, fields? } }`) rather than Node's bare status line:
 *
 *   - 414 `uri_too_long`: the URL (path and query) is longer than `maxUrlLength`;
 *   - 431 `headers_too_large`: the request line and headers pass `maxHeaderBytes`.
 *
 * Node's HTTP parser refuses the second before Fastify sees the request (the `clientError`
 * event, answered here through Fastify's `clientErrorHandler`); the URL's own limit is lower,
 * so a long URL is normally refused by an onRequest hook with a request id. A URL so long
 * that it overflows the parser's limit by itself is told apart by what the parser had
 * received: no complete request line yet means it was the URL.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { ApiError } from "./errors.ts";
import { ErrorReply } from "./schemas.ts";

/** Longer URLs are refused (414). Browsers and proxies handle 8 KiB (nginx's default). */
export const maxUrlLength = 8 * 1024;

/** The request line plus every header; Node's default, stated so that it cannot drift. */
export const maxHeaderBytes = 16 * 1024;

export const uriTooLong = () =>
  new ApiError(
    414,
    "uri_too_long",
    `the URL is longer than ${maxUrlLength} characters; send fewer or shorter query parameters`,
    [{ path: "url", message: `at most ${maxUrlLength} characters` }],
  );

const headersTooLarge = () =>
  new ApiError(
    431,
    "headers_too_large",
    `the request line and headers are larger than ${maxHeaderBytes} bytes`,
    [{ path: "headers", message: `at most ${maxHeaderBytes} bytes in all` }],
  );

/**
 * Refuses a URL past `maxUrlLength` before anything else looks at the request, and declares
 * 414 and 431 on every route that declares its answers (both can answer any route, event
 * streams included), so that the OpenAPI document lists them everywhere.
 */
export function installUrlLimit(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    if (!route.schema || !response) return;
    route.schema = { ...route.schema, response: { 414: ErrorReply, 431: ErrorReply, ...response } };
  });
  app.addHook("onRequest", async (request) => {
    if (request.raw.url !== undefined && request.raw.url.length > maxUrlLength) throw uriTooLong();
  });
}

/** Did the parser give up before the request line ended? Then the URL was too long. */
function requestLineUnfinished(rawPacket: unknown): boolean {
  if (!Buffer.isBuffer(rawPacket)) return false;
  const end = rawPacket.indexOf("\r\n");
  return end < 0 || end > maxUrlLength;
}

function send(socket: Socket, error: ApiError): void {
  const body = JSON.stringify({
    error: { code: error.code, message: error.message, fields: error.fields },
  });
  // end(), not write() and destroy(): the answer is flushed before the socket closes.
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Fastify's `clientErrorHandler`: errors of the HTTP parser, before any request exists.
 * Oversized headers get 431 (414 when it was the URL), any other malformed request 400
 * `malformed_request`, all in the usual shape; a reset or timed-out socket is just closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: NodeJS.ErrnoException & { rawPacket?: unknown },
  socket: Socket,
): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  if (socket.writable) {
    if (error.code === "HPE_HEADER_OVERFLOW") {
      send(socket, requestLineUnfinished(error.rawPacket) ? uriTooLong() : headersTooLarge());
    } else if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      socket.end("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    } else {
      send(socket, new ApiError(400, "malformed_request", "the HTTP request could not be parsed"));
    }
  }
  this.log.info({ code: error.code }, "client error");
  if (!socket.writable) socket.destroy();
}
