import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { BrokerUnavailableError, isBrokerUnreachable } from "../../platform/kafka/index.ts";
import { EventValidationError, IllFormedTextError } from "../../producers/index.ts";
import { ApiError, type FieldProblem } from "./errors.ts";

interface AjvIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * One JSON shape for every refusal: `{ error: { code, message, fields? } }`. Fastify's
 * own errors (validation, malformed JSON, oversized bodies) are mapped to codes here so a
 * client never has to parse English.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = describe(error);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: body.code }, "request refused");
    return reply.status(status).send({ error: body });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: "route_not_found", message: `no route ${request.method} ${request.url}` },
    }),
  );
}

/**
 * Fastify's errors from before routing (`frameworkErrors`), in the same shape: a path whose
 * percent-escapes are malformed or do not decode to UTF-8 (FST_ERR_BAD_URL) is a 400 like
 * such a query string (api/http/text.ts), not Fastify's own body.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  const badUrl = error.code === "FST_ERR_BAD_URL";
  return reply.status(400).send({
    error: {
      code: badUrl ? "malformed_url" : "malformed_request",
      message: badUrl
        ? "the URL's path has a percent-escape that is malformed or does not decode to UTF-8"
        : error.message,
      ...(badUrl ? { fields: [{ path: "params", message: "is not a valid URL component" }] } : {}),
    },
  });
}

function describe(error: FastifyError): {
  status: number;
  body: { code: string; message: string; fields?: FieldProblem[] };
} {
  if (error instanceof ApiError) {
    return {
      status: error.statusCode,
      body: {
        code: error.code,
        message: error.message,
        ...(error.fields ? { fields: error.fields } : {}),
      },
    };
  }
  if (error.validation) {
    const where = error.validationContext ?? "body";
    const fields = (error.validation as AjvIssue[]).map((issue) => fieldOf(where, issue));
    return {
      status: 400,
      body: {
        code: ownCode(fields) ?? "invalid_request",
        message: `the request's ${where} does not match the route's schema`,
        fields,
      },
    };
  }
  // Should not happen (route schemas are stricter than the Avro schemas, and text.ts
  // refuses ill-formed strings first), but if it does the input was at fault and nothing
  // was written.
  if (error instanceof IllFormedTextError) {
    return {
      status: 400,
      body: {
        code: "ill_formed_unicode",
        message: error.message,
        fields: error.fields.map((f) => ({
          path: `body.${f.path}`,
          message: "is not well-formed Unicode",
        })),
      },
    };
  }
  if (error instanceof EventValidationError) {
    return {
      status: 400,
      body: {
        code: "invalid_event",
        message: error.message,
        fields: error.fields.map((f) => ({ path: `body.${f.path}`, message: "invalid value" })),
      },
    };
  }
  // The log is the system of record: without it no command can be accepted. The answer
  // says whether the command may have been written (docs: api/README.md, "Kafka down").
  if (error instanceof BrokerUnavailableError) {
    return error.written === "no"
      ? { status: 503, body: { code: "log_unavailable", message: error.message } }
      : { status: 503, body: { code: "log_write_unknown", message: error.message } };
  }
  // A check's read of the log (a view catching up, end offsets) that found no broker.
  if (isBrokerUnreachable(error)) {
    return {
      status: 503,
      body: { code: "log_unavailable", message: "Kafka is unreachable; nothing was written" },
    };
  }
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, body: { code: "malformed_json", message: error.message } };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, body: { code: "body_too_large", message: error.message } };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        status: 415,
        body: { code: "unsupported_media_type", message: "send application/json" },
      };
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { status: 400, body: { code: "malformed_request", message: error.message } };
  }
  if (error.statusCode === 429) {
    return { status: 429, body: { code: "rate_limited", message: error.message } };
  }
  return { status: 500, body: { code: "internal", message: "the request failed; see the logs" } };
}

/**
 * Positions and cursors have their own codes (api/read/): a value their declared pattern
 * refuses gets the same code as one their parser refuses, so a client sees one code for
 * one mistake, whichever check found it first.
 */
const fieldCodes: Record<string, string> = {
  "querystring.after": "invalid_position",
  "querystring.cursor": "invalid_cursor",
};

function ownCode(fields: FieldProblem[]): string | undefined {
  const codes = new Set(fields.map((f) => fieldCodes[f.path]));
  const [only] = codes;
  return codes.size === 1 ? only : undefined;
}

function fieldOf(where: string, issue: AjvIssue): FieldProblem {
  const base = [where, ...issue.instancePath.split("/").filter(Boolean)].join(".");
  switch (issue.keyword) {
    case "additionalProperties":
      return {
        path: `${base}.${String(issue.params.additionalProperty)}`,
        message: "unknown field",
      };
    case "required":
      return { path: `${base}.${String(issue.params.missingProperty)}`, message: "is required" };
    case "pattern":
      return { path: base, message: "contains characters that are not allowed here" };
    default:
      return { path: base, message: issue.message ?? issue.keyword };
  }
}
