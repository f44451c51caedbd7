/**
 * Building blocks of the route schemas. Text is stored as given: HTML or SQL in a post is
 * just text (nothing here interprets it, every reader must escape it), but control
 * characters are refused in one-line fields and, apart from tab and newlines, in texts.
 * Names and texts are also normalized to NFC and must show a visible character; names may
 * not carry bidi overrides (the `x-vobe-text` keyword, api/http/text.ts).
 */
import { type TSchema, Type } from "@fastify/type-provider-typebox";

/** No C0/C1 control characters, and at least one visible character. */
const oneLine = "^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/** Like oneLine, but tab, line feed and carriage return are allowed. */
const multiLine =
  "^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

export const Uuid = Type.String({ format: "uuid", maxLength: 36 });

/** A UUID in any case, as a pattern to embed (IdList) or test whole (isUuid). */
const uuidPattern = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";
const wholeUuid = new RegExp(`^${uuidPattern}$`);

/** For ids that arrive outside a schema (inside a cursor). */
export const isUuid = (text: string): boolean => wholeUuid.test(text);

/** Up to `max` UUIDs separated by commas, checked whole by the schema (a bad one is a 400). */
export const IdList = (max: number, description: string) =>
  Type.String({
    pattern: `^${uuidPattern}(?:,${uuidPattern}){0,${max - 1}}$`,
    maxLength: 37 * max,
    description: `${description}: UUIDs separated by commas, 1..${max}`,
  });

/** An IdList's ids: lower case, each once, in the order asked. */
export const idsOf = (list: string): string[] => [...new Set(list.toLowerCase().split(","))];

/** A name or title: one line, length 1..max, NFC, visible, no bidi overrides. */
export const Name = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: oneLine, "x-vobe-text": "name" });

/** A longer text (a post's body, a comment, a bio): newlines allowed; NFC, visible. */
export const Text = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: multiLine, "x-vobe-text": "text" });

export const HttpUrl = Type.String({ format: "uri", maxLength: 2048, pattern: "^https?://" });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Every refusal has this shape (see error-handler.ts). */
export const ErrorReply = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  }),
});

/** Where an accepted command's event landed; offset is a string (it is a 64-bit number). */
export const Accepted = Type.Object(
  {
    id: Type.String({
      description: "The id of the resource the command created or changed (the event's key)",
    }),
    eventId: Uuid,
    topic: Type.String(),
    partition: Type.Integer(),
    offset: Type.String({ pattern: "^[0-9]+$" }),
    position: Type.String({
      description: "topic:partition:offset, to pass as it is to a read's after= (read your writes)",
    }),
  },
  { additionalProperties: false },
);

// 415: a body that is not JSON (api/app.ts) is refused before any route sees it. 414 and
// 431 (limits.ts) are added to every route's answers there.
const errorStatuses = [400, 401, 403, 404, 409, 413, 415, 503] as const;

/** A route's response schemas: its success answer plus the shared error shape. */
export function responses<S extends Record<number, TSchema>>(success: S) {
  const errors = Object.fromEntries(errorStatuses.map((s) => [s, ErrorReply])) as Record<
    (typeof errorStatuses)[number],
    typeof ErrorReply
  >;
  return { ...errors, ...success };
}
