import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Actor, EventContext } from "../../producers/index.ts";
import { unauthorized } from "./errors.ts";
import { requestTraceparent } from "./tracing.ts";

/** A client's X-Request-Id is kept when it looks like an id; otherwise a uuid is made. */
export function requestId(request: { headers: Record<string, unknown> }): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Why the events of this request happen: who acted, the request id, the trace. A visitor
 * without a token (sign-up before the account exists, anonymous feedback) acts as a
 * listener with no user id: "system" would claim the platform acted on its own.
 */
export function eventContext(request: FastifyRequest, actor?: Actor): EventContext {
  const context: EventContext = {
    actor:
      actor ??
      (request.user
        ? { userId: request.user.userId, role: request.user.role }
        : { userId: null, role: "listener" }),
    correlationId: request.id,
  };
  // With tracing on, the events continue the request's own span; off, the client's
  // traceparent passes through unchanged.
  const traceparent = requestTraceparent(request) ?? request.headers.traceparent;
  if (typeof traceparent === "string" && traceparentPattern.test(traceparent)) {
    context.traceparent = traceparent;
  }
  return context;
}

/** The signed-in caller; routes with `auth.require(...)` always have one. */
export function caller(request: FastifyRequest) {
  if (!request.user) throw unauthorized("token_missing", "sign in: this needs a bearer token");
  return request.user;
}
