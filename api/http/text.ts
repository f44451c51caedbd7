/**
 * What text may reach the log. Every string of a request (body, query, params) must be
 * well-formed Unicode: a lone surrogate would be written as bytes that are not UTF-8, and
 * Avro readers in other languages (fastavro, Confluent's deserializers) then fail on that
 * record for as long as the topic keeps it, which is forever. So:
 *
 * - a JSON body must be valid UTF-8 (decoded strictly, not with U+FFFD put in silently);
 * - a query string's percent-escapes must be well-formed and decode to valid UTF-8
 *   (Fastify's parser keeps an undecodable value as its raw `%FF%FE` text);
 * - no string, and no property name, of the parsed body, query or params may hold a lone
 *   surrogate (`"\ud800"` is valid JSON);
 *
 * all checked in one preValidation hook, before the route's schema and long before
 * anything is written (400 `ill_formed_unicode` / `malformed_query`, naming the field).
 *
 * Route schemas then say which strings are text, with the `x-vobe-text` keyword
 * (api/http/schemas.ts `Name`, `Text`): such a string is normalized to NFC in place, so a
 * decomposed "é" is stored composed, and it must show at least one visible character; a
 * name, in addition, may not carry bidi override or isolate controls, which make a name
 * display as something else. Passwords, e-mails, ids and cursors are not text: they are
 * kept exactly as sent.
 */
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from "fastify";
import { type ApiError, badRequest, type FieldProblem } from "./errors.ts";

/** The kinds of text the `x-vobe-text` keyword knows. */
export type TextKind = "name" | "text";

/** Characters that show nothing on their own: spaces, controls, format and default-ignorable characters, marks without a base, the blank fillers. */
const invisibleOnly =
  /^[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\p{Zl}\p{Zp}\u2800]*$/u;

/** LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder what follows them. */
const bidiControl = /[\u202a-\u202e\u2066-\u2069]/u;

/** Why a text of this kind is refused, or null; `value` is already NFC. */
export function textProblem(kind: TextKind, value: string): string | null {
  if (invisibleOnly.test(value)) return "has no visible character";
  if (kind === "name") {
    const control = bidiControl.exec(value);
    if (control) {
      const code = (control[0].codePointAt(0) as number).toString(16).toUpperCase();
      return `contains a bidirectional control character (U+${code}), which changes how the name displays`;
    }
  }
  return null;
}

/** Where the first lone surrogate of `s` is, or -1 (only called on an ill-formed string). */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

export function illFormedMessage(s: string): string {
  const at = loneSurrogateAt(s);
  const code = s.charCodeAt(at).toString(16).toUpperCase();
  return `is not well-formed Unicode: a lone surrogate (U+${code}) at character ${at}`;
}

/** Every ill-formed string (or property name) in a parsed JSON value, by path. */
export function illFormedStrings(value: unknown, path: string, out: FieldProblem[] = []) {
  if (typeof value === "string") {
    if (!value.isWellFormed()) out.push({ path, message: illFormedMessage(value) });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) illFormedStrings(value[i], `${path}.${i}`, out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (!key.isWellFormed()) {
        out.push({ path, message: `has a property name that ${illFormedMessage(key)}` });
      } else {
        illFormedStrings(v, `${path}.${key}`, out);
      }
    }
  }
  return out;
}

/**
 * The query string's problems: an escape that is not `%` and two hex digits, or escapes
 * that do not decode to UTF-8. `decodeURIComponent` is strict about both.
 */
export function queryEncodingProblems(url: string): { malformed: boolean; fields: FieldProblem[] } {
  const start = url.indexOf("?");
  const fields: FieldProblem[] = [];
  let malformed = false;
  if (start < 0 || !url.includes("%", start)) return { malformed, fields };
  for (const pair of url.slice(start + 1).split("&")) {
    if (!pair.includes("%")) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = decodeOrNull(rawKey);
    const problem = (raw: string) => {
      if (/%(?![0-9A-Fa-f]{2})/.test(raw)) {
        malformed = true;
        return "has a % that is not followed by two hex digits";
      }
      return "is not valid UTF-8 once its percent-escapes are decoded";
    };
    if (key === null) {
      fields.push({ path: "query", message: `a parameter name ${problem(rawKey)}` });
    } else if (eq >= 0 && decodeOrNull(pair.slice(eq + 1)) === null) {
      fields.push({ path: `query.${key}`, message: problem(pair.slice(eq + 1)) });
    }
  }
  return { malformed: malformed && fields.length > 0, fields };
}

function decodeOrNull(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return null;
  }
}

function check(request: FastifyRequest): ApiError | undefined {
  const query = queryEncodingProblems(request.url);
  if (query.fields.length > 0) {
    return query.malformed
      ? badRequest(
          "malformed_query",
          "the query string's percent-encoding is malformed",
          query.fields,
        )
      : badRequest(
          "ill_formed_unicode",
          "the query string is not valid UTF-8 once decoded",
          query.fields,
        );
  }
  const fields = illFormedStrings(request.body, "body");
  illFormedStrings(request.query, "query", fields);
  illFormedStrings(request.params, "params", fields);
  if (fields.length > 0) {
    return badRequest(
      "ill_formed_unicode",
      "the request holds text that is not well-formed Unicode (a lone surrogate); nothing was written",
      fields,
    );
  }
  return undefined;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The JSON body is decoded strictly (Fastify's own parser puts U+FFFD in place of bytes
 * that are not UTF-8), then parsed by Fastify's own JSON parser (prototype-poisoning
 * checks included); every string of a request is then checked before validation.
 */
export function installTextChecks(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? "error",
    app.initialConfig.onConstructorPoisoning ?? "error",
  );
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(
        badRequest("ill_formed_unicode", "the body is not valid UTF-8", [
          { path: "body", message: "is not valid UTF-8" },
        ]),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });
  app.addHook("preValidation", async (request) => {
    const refused = check(request);
    if (refused) throw refused;
  });
}

type AjvPlugin = Extract<
  NonNullable<NonNullable<FastifyServerOptions["ajv"]>["plugins"]>[number],
  (...args: never[]) => unknown
>;

/** Ajv's part of a keyword's validation context (what this keyword uses of it). */
interface DataContext {
  parentData?: Record<string | number, unknown>;
  parentDataProperty?: string | number;
}

type KeywordValidate = ((
  kind: TextKind,
  data: unknown,
  parentSchema: unknown,
  context?: DataContext,
) => boolean) & { errors?: Array<{ keyword: string; message: string; params: object }> };

const validateText: KeywordValidate = (kind, data, _schema, context) => {
  validateText.errors = undefined;
  if (typeof data !== "string") return true; // the `type` keyword refuses it
  const nfc = data.normalize("NFC");
  if (nfc !== data && context?.parentData && context.parentDataProperty !== undefined) {
    context.parentData[context.parentDataProperty] = nfc;
  }
  const problem = textProblem(kind, nfc);
  if (problem === null) return true;
  validateText.errors = [{ keyword: "x-vobe-text", message: problem, params: { kind } }];
  return false;
};

/**
 * The `x-vobe-text: "name" | "text"` keyword, for Fastify's Ajv (`ajv.plugins`). Named as
 * an OpenAPI extension: the generated document may carry it.
 */
export const textKeyword: AjvPlugin = (ajv) => {
  ajv.addKeyword({
    keyword: "x-vobe-text",
    schemaType: "string",
    type: "string",
    modifying: true,
    errors: true,
    metaSchema: { enum: ["name", "text"] },
    validate: validateText,
  });
  return ajv;
};
