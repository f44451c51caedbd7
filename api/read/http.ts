/**
 * What every read route shares: the `after`/`wait` query parameters and the hook that
 * waits for them, `cursor`/`limit`, and the response schemas (the route's answer, the
 * shared error shape, and 504 position_not_reached).
 */
import { type TProperties, type TSchema, Type } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { badRequest } from "../http/errors.ts";
import { ErrorReply, responses } from "../http/schemas.ts";
import { formatPosition, maxPositions, parsePositions } from "./positions.ts";
import type { ViewReader } from "./views.ts";

export const defaultWaitMs = 2_000;
export const maxWaitMs = 10_000;

/** One position, as a command's 202 names it (positions.ts); Kafka topic names have no ':'. */
const position = "[A-Za-z0-9._-]{1,249}:[0-9]{1,9}:[0-9]{1,19}";

/** Read-your-writes: accepted by every read route. */
export const consistency = {
  after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 6_000,
      // Declared, so that a client built from the OpenAPI document can make a valid value.
      pattern: `^${position}(?:,${position}){0,${maxPositions - 1}}$`,
      description: `Positions a command answered, \`<topic>:<partition>:<offset>\` (a command's 202 has it as \`position\`), 1 to ${maxPositions} comma-separated: answer only once the view has consumed past all of them. A topic the view does not read, a partition the topic does not have, or an offset not yet written: 400 invalid_position / position_not_in_view`,
    }),
  ),
  wait: Type.Optional(
    Type.String({
      pattern: "^(?:[0-9]{1,4}|10000)$",
      description: `How long to wait for \`after\`, in ms (0..${maxWaitMs}, default ${defaultWaitMs}); then 504 position_not_reached`,
    }),
  ),
};

/** Keyset pagination: `cursor` from the previous page's nextCursor, `limit` 1..100 (default 20). */
export const pagination = {
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2_000,
      pattern: "^[A-Za-z0-9_-]+$",
      description:
        "Opaque (base64url): the `nextCursor` of the previous page of the same list, as it was; any other value is 400 invalid_cursor",
    }),
  ),
  limit: Type.Optional(
    Type.String({ pattern: "^(?:[1-9][0-9]?|100)$", description: "1..100, default 20" }),
  ),
};

/** A route's querystring: its own parameters plus `after` and `wait`; nothing else. */
export const Query = <P extends TProperties>(properties: P) =>
  Type.Object({ ...properties, ...consistency }, { additionalProperties: false });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object(
    { items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) },
    { additionalProperties: false },
  );

export const Unreached = Type.Object({
  position: Type.String(),
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.String(),
  viewNextOffset: Type.Union([Type.String(), Type.Null()]),
});

/** 504: the view did not consume past `after` in time. */
export const NotReachedReply = Type.Object({
  error: Type.Object({
    code: Type.Literal("position_not_reached"),
    message: Type.String(),
    view: Type.String(),
    unreached: Type.Array(Unreached),
  }),
});

export function readResponses<S extends Record<number, TSchema>>(success: S) {
  return { ...responses(success), 500: ErrorReply, 504: NotReachedReply };
}

export const Timestamp = Type.String({ format: "date-time" });
export const NullableString = Type.Union([Type.String(), Type.Null()]);

export const iso = (value: Date | string | null | undefined): string | null =>
  value === null || value === undefined
    ? null
    : value instanceof Date
      ? value.toISOString()
      : value;

/**
 * A preHandler: with `after`, waits (bounded by `wait`) until `reader`'s view has consumed
 * past every position, else answers 504 position_not_reached naming what was not reached.
 */
export function waitForAfter(reader: ViewReader) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const { after, wait } = (request.query ?? {}) as { after?: string; wait?: string };
    if (after === undefined) return;
    const positions = parsePositions(after, reader);
    for (const p of positions) {
      // A partition the topic does not have can never be reached: a wrong request, not a 504.
      const count = await reader.partitionCount(p.topic, p.partition);
      if (count !== undefined && p.partition >= count) {
        throw badRequest(
          "invalid_position",
          `${p.topic} has ${count} partition(s); ${formatPosition(p)} names partition ${p.partition}`,
          [{ path: "query.after", message: `${formatPosition(p)}: no such partition` }],
        );
      }
      // Nor an offset nothing was written at yet: a command's answer always names a record
      // that is already committed.
      const end = await reader.endOffset(p.topic, p.partition, p.offset);
      if (end !== undefined && p.offset >= end) {
        throw badRequest(
          "invalid_position",
          `${p.topic}/${p.partition} ends at offset ${end}; nothing was written at ${p.offset}`,
          [{ path: "query.after", message: `${formatPosition(p)}: no record there` }],
        );
      }
    }
    const timeoutMs = wait === undefined ? defaultWaitMs : Number(wait);
    const unreached = await reader.waitFor(positions, timeoutMs);
    if (unreached.length === 0) return;
    request.log.info({ unreached }, "position not reached");
    return reply.status(504).send({
      error: {
        code: "position_not_reached",
        message: `the ${reader.name} view has not consumed past ${unreached
          .map((u) => u.position)
          .join(", ")} within ${timeoutMs} ms; retry later with the same after`,
        view: reader.name,
        unreached,
      },
    });
  };
}

export { formatPosition };
