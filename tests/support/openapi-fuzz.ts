/**
 * Requests generated from an OpenAPI 3.0 document (the API's own /api/openapi.json): for
 * each operation, valid requests built from its declared parameter and body schemas (with
 * real ids mixed in, so that the handlers run past the 404s) and mutated ones (wrong types,
 * lengths and numbers past the bounds, missing and unknown fields, odd Unicode, malformed
 * ids, bodies, query strings and tokens).
 *
 *   const ops = operationsOf(doc);
 *   const requests = requestsFor(ops[0], { seed: 42, valid: 12, mutated: 20, callers, hints });
 *
 * fast-check generates (already a dev dependency): its seeded `sample` makes a run
 * replayable from one number, `stringMatching` builds strings from the schemas' patterns,
 * and its `uuid`, `emailAddress`, `webUrl`, `date` cover the formats used. The document's
 * schemas are small (objects, strings with patterns and formats, bounded integers, arrays,
 * enums, anyOf, nullable), so the mapping from a schema to an arbitrary is short; the
 * mutations have to be written by hand anyway, since no schema library makes invalid values.
 */
import fc from "fast-check";

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  nullable?: boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** "GET /api/artist/artists/{id}" */
  id: string;
  method: string;
  path: string;
  params: Parameter[];
  body?: JsonSchema;
  secured: boolean;
  /** Declared statuses: the JSON schema of the answer, or null when it declares no JSON body. */
  responses: Record<string, JsonSchema | null>;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const methods = new Set(["get", "post", "put", "patch", "delete"]);

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!methods.has(method)) continue;
      const params = (op.parameters ?? [])
        .filter((p) => p.in === "path" || p.in === "query")
        .map((p) => ({
          name: p.name,
          in: p.in as "path" | "query",
          required: p.required === true || p.in === "path",
          schema: p.schema ?? { type: "string" },
        }));
      const body = op.requestBody?.content?.["application/json"]?.schema;
      const responses = Object.fromEntries(
        Object.entries(op.responses ?? {}).map(([status, r]) => [
          status,
          r.content?.["application/json"]?.schema ?? null,
        ]),
      );
      out.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params,
        ...(body ? { body } : {}),
        secured: (op.security?.length ?? 0) > 0,
        responses,
      });
    }
  }
  return out;
}

/** Real values for a field (ids of entities that exist, positions, cursors), by where and name. */
export type Hints = (
  where: "path" | "query" | "body",
  name: string,
  op: Operation,
) => readonly string[] | undefined;

export interface FuzzRequest {
  operation: Operation;
  caller: string;
  kind: "valid" | "mutated";
  /** What was broken, for the failure output. */
  mutation?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /**
   * The request's parts as the server parses them, to check them against the document's
   * own request schemas; null when something was sent raw (malformed bytes, a bad body).
   */
  parts: { params: Record<string, string>; query: Record<string, unknown>; body?: unknown } | null;
}

export interface FuzzOptions {
  seed: number;
  valid: number;
  mutated: number;
  /** Names of the callers; the runner turns a name into its Authorization header. */
  callers: readonly string[];
  hints: Hints;
  /** Authorization headers to try besides the callers' (expired, forged, …). */
  authorizations?: readonly string[];
  /** Last say on a draft (e.g. a position that will not be reached gets wait=0). */
  adjust?: (draft: Draft, op: Operation) => void;
}

/** A request before it is encoded. */
export interface Draft {
  caller: string;
  params: Record<string, string>;
  /** Path parameters sent as they are (already percent-encoded, or deliberately not). */
  rawParams: Record<string, string>;
  query: Record<string, unknown>;
  /** Query-string pieces appended as they are. */
  rawQuery: string[];
  hasBody: boolean;
  body?: unknown;
  rawBody?: string;
  /** A number token the JSON text gets in place of the placeholder string (e.g. 1e400). */
  numberToken?: string;
  contentType?: string;
  authorization?: string;
  mutation?: string;
}

/** The requests for one operation: `valid` built from its schemas, `mutated` broken ones. */
export function requestsFor(op: Operation, options: FuzzOptions): FuzzRequest[] {
  const seed = (options.seed ^ hash(op.id)) | 0;
  const valid = validDraft(op, options);
  const drafts = [
    ...fc.sample(valid, { seed, numRuns: options.valid }),
    ...fc.sample(
      valid.chain((d) => mutation(op, d, options)),
      { seed: seed + 1, numRuns: options.mutated },
    ),
  ];
  return drafts.map((draft) => {
    options.adjust?.(draft, op);
    return encode(op, draft);
  });
}

function validDraft(op: Operation, options: FuzzOptions): fc.Arbitrary<Draft> {
  const hinted = (where: "path" | "query" | "body") => (name: string) =>
    options.hints(where, name, op);
  const pathParams = op.params.filter((p) => p.in === "path");
  const queryParams = op.params.filter((p) => p.in === "query");
  const record = (ps: Parameter[], where: "path" | "query") =>
    fc.record(
      Object.fromEntries(
        ps.map((p) => [p.name, validValue(p.schema, hinted(where)(p.name), hinted("body"))]),
      ),
      { requiredKeys: ps.filter((p) => p.required).map((p) => p.name) },
    );
  return fc
    .record({
      caller: fc.constantFrom(...options.callers),
      params: record(pathParams, "path") as fc.Arbitrary<Record<string, string>>,
      query: record(queryParams, "query"),
      body: op.body ? validValue(op.body, undefined, hinted("body")) : fc.constant(undefined),
    })
    .map(({ caller, params, query, body }) => ({
      caller,
      params,
      rawParams: {},
      query,
      rawQuery: [],
      hasBody: op.body !== undefined,
      ...(op.body ? { body } : {}),
    }));
}

type FieldHints = (name: string) => readonly string[] | undefined;

/** Valid values of a schema; `hint` values (real ids, …) are mixed in when given. */
export function validValue(
  schema: JsonSchema,
  hint: readonly string[] | undefined,
  fieldHints: FieldHints = () => undefined,
): fc.Arbitrary<unknown> {
  let base = plainValueOf(schema, fieldHints);
  if (schema.nullable) base = fc.oneof({ weight: 4, arbitrary: base }, fc.constant(null));
  if (hint && hint.length > 0) {
    return fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...hint) },
      { weight: 1, arbitrary: base },
    );
  }
  return base;
}

function plainValueOf(schema: JsonSchema, fieldHints: FieldHints): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf)
    return fc.oneof(...schema.anyOf.map((s) => validValue(s, undefined, fieldHints)));
  switch (schema.type) {
    case "string":
      return stringOf(schema);
    case "integer": {
      const min = schema.minimum ?? -1_000_000_000;
      const max = schema.maximum ?? 1_000_000_000;
      return fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min, max }) },
        fc.constantFrom(min, max),
      );
    }
    case "number":
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "array": {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
      return fc.array(validValue(schema.items ?? {}, undefined, fieldHints), {
        minLength,
        maxLength,
      });
    }
    case "object": {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      const arb = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([name, s]) => [
            name,
            validValue(s, s.type === "string" ? fieldHints(name) : undefined, fieldHints),
          ]),
        ),
        { requiredKeys: required },
      );
      const min = schema.minProperties ?? 0;
      return min > 0 ? arb.filter((o) => Object.keys(o).length >= min) : arb;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const codePoints = (s: string) => [...s].length;

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 5_000;
  const fits = (s: string) => codePoints(s) >= min && codePoints(s) <= max;
  const full = schema.pattern ? new RegExp(schema.pattern, "u") : undefined;
  const matches = (s: string) => fits(s) && (!full || full.test(s));
  switch (schema.format) {
    case "uuid":
      return fc.uuid();
    case "email":
      return fc.emailAddress().filter(matches);
    case "date-time":
      return dates.map((d) => d.toISOString());
    case "date":
      return dates.map((d) => d.toISOString().slice(0, 10));
    case "uri":
      // Not fc.webUrl: its path generator takes seconds to build on first use.
      return fc
        .tuple(
          fc.constantFrom("http://", "https://"),
          fc.domain(),
          fc.stringMatching(/^(?:\/[\w.~-]{0,12}){0,3}$/),
        )
        .map(([scheme, domain, path]) => `${scheme}${domain}${path}`)
        .filter(matches);
  }
  if (schema.pattern) {
    const pattern = generable(schema.pattern);
    return fc
      .stringMatching(new RegExp(pattern, "u"), { maxLength: Math.min(max, 400) })
      .filter(matches);
  }
  const most = Math.max(min, Math.min(max, 40));
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: most }) },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: most }) },
      // The upper bound itself, in code points, some of them outside the BMP.
      fc.constantFrom("x".repeat(max), "😀".repeat(max)),
    )
    .filter(fits);
}

const dates = fc.date({
  min: new Date("1990-01-01T00:00:00Z"),
  max: new Date("2100-01-01T00:00:00Z"),
  noInvalidDate: true,
});

/**
 * fast-check's stringMatching knows no lookahead: a leading `(?=…)` (the "at least one
 * visible character" of the text patterns) is dropped here and checked by the filter.
 */
export function generable(pattern: string): string {
  const at = pattern.startsWith("^(?=") ? 1 : -1;
  if (at < 0) return pattern;
  let depth = 0;
  for (let i = at; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return `^${pattern.slice(i + 1)}`;
  }
  return pattern;
}

// --- mutations ---------------------------------------------------------------------------

/** Strings that break parsers, normalizers, encoders and renderers. */
export const oddStrings = [
  "\ud800",
  "a\udfffb",
  "\u0000",
  "a\u0000b",
  "\u202egnp.exe",
  "\u2066x\u2069",
  "\u200b",
  "\u200b\u200c\u200d\u2060",
  "\u00a0",
  " ",
  "\t\r\n",
  "\u0301",
  "e\u0301",
  "\u2800",
  "\ufeff",
  "\uffff",
  "\u{10ffff}",
  "\u2028",
  "𝕏👩‍👩‍👧‍👦ﷺ",
  "مرحبا",
  "'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "%s%s%n%x",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as text
  "${jndi:ldap://x/a}",
  "{{7*7}}",
  "null",
  "-1",
  "1e309",
  "NaN",
  "\\",
  '"',
];

const wrongTypes: unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  true,
  null,
  "",
  "x",
  [],
  [1],
  {},
  { a: 1 },
];

/** Raw number tokens that JSON.parse reads as Infinity, -0, or imprecise integers. */
const numberTokens = [
  "1e400",
  "-1e400",
  "-0",
  "99999999999999999999999",
  "1.0",
  "1E2",
  "0.0000001",
];

const rawBodies = [
  "",
  "{",
  "[]",
  "null",
  '"x"',
  "42",
  '{"a":1}{',
  "{'a':1}",
  `${"[".repeat(2_000)}${"]".repeat(2_000)}`,
  '{"a":"\\ud800"}',
  '{"__proto__":{"isAdmin":true}}',
  `{"x":"${"y".repeat(70 * 1024)}"}`,
];

const contentTypes = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=latin1",
  "application/xml",
  "multipart/form-data; boundary=x",
];

const badIds = [
  "not-a-uuid",
  "%FF",
  "%ED%A0%80",
  "%00",
  "..%2F..%2Fadmin",
  "%E2%80%AE",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "123e4567-e89b-12d3-a456-42661417400",
  "123e4567e89b12d3a456426614174000",
  "%7Bid%7D",
  "-1",
  "1e9",
  "x".repeat(3_000),
];

const rawQueries = [
  "%FF%FE=1",
  "a=%FF%FE",
  "%",
  "a=%zz",
  "a=%E0%A4%A",
  "&&&",
  "=",
  "limit[]=1",
  "__proto__=1",
  "constructor[prototype][x]=1",
  ";",
];

const badAuthorizations = [
  "Bearer",
  "Bearer ",
  "Bearer garbage",
  "Bearer a.b.c",
  "Basic dXNlcjpwYXNzd29yZA==",
  "Bearer eyJhbGciOiJub25lIn0.e30.",
];

/** A place in the body with the schema that describes it. */
interface Slot {
  path: Array<string | number>;
  schema: JsonSchema;
  value: unknown;
}

function slotsOf(schema: JsonSchema, value: unknown, path: Slot["path"] = []): Slot[] {
  const out: Slot[] = [{ path, schema, value }];
  const branch = schema.anyOf?.find((s) => typeOfSchemaMatches(s, value)) ?? schema;
  if (branch.type === "object" && value && typeof value === "object" && !Array.isArray(value)) {
    for (const [name, s] of Object.entries(branch.properties ?? {})) {
      if (name in value)
        out.push(...slotsOf(s, (value as Record<string, unknown>)[name], [...path, name]));
    }
  } else if (branch.type === "array" && Array.isArray(value) && value.length > 0) {
    out.push(...slotsOf(branch.items ?? {}, value[0], [...path, 0]));
  }
  return out;
}

function typeOfSchemaMatches(schema: JsonSchema, value: unknown): boolean {
  if (value === null) return schema.nullable === true;
  if (Array.isArray(value)) return schema.type === "array";
  if (typeof value === "object") return schema.type === "object";
  return schema.type === typeof value || (schema.type === "integer" && typeof value === "number");
}

function setAt(root: unknown, path: Slot["path"], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return copy;
}

function deleteAt(root: unknown, path: Slot["path"]): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  delete at[path.at(-1) as string | number];
  return copy;
}

const where = (path: Slot["path"]) => ["body", ...path].join(".");

/** Values at and just past a schema's bounds, and values its format refuses. */
function boundaryValues(schema: JsonSchema, value: unknown): unknown[] {
  const out: unknown[] = [];
  if (schema.enum) {
    const first = String(schema.enum[0]);
    out.push(first.toUpperCase(), `${first} `, "");
  }
  switch (schema.type) {
    case "string": {
      if (schema.maxLength !== undefined) {
        out.push("x".repeat(schema.maxLength + 1), "😀".repeat(schema.maxLength));
      }
      if (schema.minLength) out.push("x".repeat(schema.minLength - 1));
      if (schema.format === "uuid") {
        out.push("not-a-uuid", "123e4567e89b12d3a456426614174000", String(value).toUpperCase());
      }
      if (schema.format === "date-time") {
        out.push(
          "1900-01-01T00:00:00Z",
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999Z",
          "+275760-09-13T00:00:00Z",
          "2026-02-30T00:00:00Z",
          "2026-01-01T24:00:00Z",
          "2026-12-31T23:59:60Z",
          "2026-01-01T00:00:00+14:00",
          "2026-01-01",
        );
      }
      if (schema.format === "date")
        out.push("2026-02-30", "0000-00-00", "9999-12-31", "1900-01-01");
      if (schema.format === "email") {
        out.push("a@b", `${"x".repeat(244)}@example.com`, '"a b"@c.de', "a@[127.0.0.1]");
      }
      if (schema.format === "uri") {
        out.push(
          "http://",
          "javascript:alert(1)",
          `https://${"a".repeat(2_040)}.com`,
          "http://a b",
        );
      }
      break;
    }
    case "integer":
    case "number": {
      const min = schema.minimum;
      const max = schema.maximum;
      if (min !== undefined) out.push(min - 1, min);
      if (max !== undefined) out.push(max + 1, max);
      out.push(2 ** 31, 2 ** 53, -(2 ** 53), 1.5);
      break;
    }
    case "array": {
      const item = Array.isArray(value) && value.length > 0 ? value[0] : null;
      if (schema.maxItems !== undefined && schema.maxItems <= 600) {
        out.push(Array.from({ length: schema.maxItems + 1 }, () => item));
      }
      if (schema.minItems) out.push([]);
      break;
    }
  }
  return out.length > 0 ? out : wrongTypes;
}

type Mutator = (d: Draft) => Draft;
const named =
  (mutation: string, f: Mutator): Mutator =>
  (d) => ({ ...f(d), mutation });

/** One way of breaking a valid draft of `op`. */
function mutation(op: Operation, valid: Draft, options: FuzzOptions): fc.Arbitrary<Draft> {
  const choices: Array<fc.Arbitrary<Mutator>> = [];

  if (op.body) {
    const slots = slotsOf(op.body, valid.body);
    const inner = slots.filter((s) => s.path.length > 0);
    const slot = fc.constantFrom(...slots);
    choices.push(
      fc.tuple(slot, fc.constantFrom(...wrongTypes)).map(([s, v]) =>
        named(`${where(s.path)}: wrong type ${JSON.stringify(v)}`, (d) => ({
          ...d,
          body: setAt(d.body, s.path, v),
        })),
      ),
      slot.chain((s) =>
        fc.constantFrom(...boundaryValues(s.schema, s.value)).map((v) =>
          named(`${where(s.path)}: bound ${preview(v)}`, (d) => ({
            ...d,
            body: setAt(d.body, s.path, v),
          })),
        ),
      ),
      fc
        .tuple(
          fc.constantFrom(...slots.filter((s) => s.schema.type === "object")),
          fc.constantFrom("__proto__", "constructor", "userId", "role", "isAdmin", " ", "\ud800"),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .map(([s, key, v]) =>
          named(`${where(s.path)}: unknown field ${JSON.stringify(key)}`, (d) => {
            const target = s.path.length === 0 ? d.body : pathValue(d.body, s.path);
            const extended = JSON.parse(JSON.stringify(target ?? {})) as Record<string, unknown>;
            Object.defineProperty(extended, key, { value: v, enumerable: true });
            return { ...d, body: setAt(d.body, s.path, extended) };
          }),
        ),
      fc
        .constantFrom(...rawBodies)
        .map((raw) => named(`raw body ${preview(raw)}`, (d) => ({ ...d, rawBody: raw }))),
      fc
        .constantFrom(...contentTypes)
        .map((type) => named(`content-type ${type}`, (d) => ({ ...d, contentType: type }))),
      fc.constant(named("no body", (d) => ({ ...d, hasBody: false }))),
    );
    const required = slots.flatMap((s) =>
      s.schema.type === "object" && s.value && typeof s.value === "object"
        ? (s.schema.required ?? []).map((name) => [...s.path, name])
        : [],
    );
    if (required.length > 0) {
      choices.push(
        fc
          .constantFrom(...required)
          .map((path) =>
            named(`${where(path)}: missing`, (d) => ({ ...d, body: deleteAt(d.body, path) })),
          ),
      );
    }
    const strings = inner.filter((s) => typeof s.value === "string");
    if (strings.length > 0) {
      choices.push(
        fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...oddStrings)).map(([s, v]) =>
          named(`${where(s.path)}: odd text ${JSON.stringify(v).slice(0, 40)}`, (d) => ({
            ...d,
            body: setAt(d.body, s.path, v),
          })),
        ),
      );
    }
    const numbers = inner.filter((s) => typeof s.value === "number");
    if (numbers.length > 0) {
      choices.push(
        fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(...numberTokens)).map(([s, token]) =>
          named(`${where(s.path)}: number ${token}`, (d) => ({
            ...d,
            body: setAt(d.body, s.path, numberPlaceholder),
            numberToken: token,
          })),
        ),
      );
    }
  } else if (op.method !== "GET") {
    choices.push(
      fc
        .constantFrom('{"a":1}', "{", "x")
        .map((raw) => named(`unexpected body ${raw}`, (d) => ({ ...d, rawBody: raw }))),
    );
  }

  const pathParams = op.params.filter((p) => p.in === "path");
  if (pathParams.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...pathParams), fc.constantFrom(...badIds)).map(([p, raw]) =>
        named(`params.${p.name}: ${preview(raw)}`, (d) => ({
          ...d,
          rawParams: { ...d.rawParams, [p.name]: raw },
        })),
      ),
      fc.tuple(fc.constantFrom(...pathParams), fc.constantFrom(...oddStrings)).map(([p, v]) =>
        named(`params.${p.name}: odd text ${JSON.stringify(v).slice(0, 40)}`, (d) => ({
          ...d,
          params: { ...d.params, [p.name]: v },
        })),
      ),
    );
  }

  const queryParams = op.params.filter((p) => p.in === "query");
  if (queryParams.length > 0) {
    choices.push(
      fc.constantFrom(...queryParams).chain((p) =>
        fc
          .constantFrom(
            ...(boundaryValues(p.schema, valid.query[p.name]).filter(
              (v) => typeof v === "string" || typeof v === "number",
            ) as Array<string | number>),
            ...oddStrings,
            "",
            "-1",
            "0",
            "1.5",
            "1e3",
            "999999999999999999999",
          )
          .map((v) =>
            named(`query.${p.name}: ${preview(v)}`, (d) => ({
              ...d,
              query: { ...d.query, [p.name]: String(v) },
            })),
          ),
      ),
      fc.constantFrom(...queryParams).map((p) =>
        named(`query.${p.name}: twice`, (d) => ({
          ...d,
          query: { ...d.query, [p.name]: [String(d.query[p.name] ?? "1"), "2"] },
        })),
      ),
    );
    const required = queryParams.filter((p) => p.required);
    if (required.length > 0) {
      choices.push(
        fc.constantFrom(...required).map((p) =>
          named(`query.${p.name}: missing`, (d) => {
            const { [p.name]: _, ...rest } = d.query;
            return { ...d, query: rest };
          }),
        ),
      );
    }
  }
  choices.push(
    fc
      .tuple(
        fc.constantFrom("unknown", "userId", "role", "__proto__", "\ud800"),
        fc.constantFrom("1", "admin", ""),
      )
      .map(([key, v]) =>
        named(`query: unknown ${JSON.stringify(key)}`, (d) => ({
          ...d,
          query: { ...d.query, [key]: v },
        })),
      ),
    fc
      .constantFrom(...rawQueries)
      .map((raw) => named(`raw query ${raw}`, (d) => ({ ...d, rawQuery: [...d.rawQuery, raw] }))),
    fc
      .constantFrom(...badAuthorizations, ...(options.authorizations ?? []))
      .map((auth) =>
        named(`authorization ${preview(auth)}`, (d) => ({ ...d, authorization: auth })),
      ),
  );
  return fc.oneof(...choices).map((mutate) => mutate(structuredClone(valid)));
}

function pathValue(root: unknown, path: Slot["path"]): unknown {
  let at = root as Record<string | number, unknown>;
  for (const key of path) at = at?.[key] as Record<string | number, unknown>;
  return at;
}

const numberPlaceholder = "\u0000number\u0000";

export function preview(value: unknown, max = 60): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length})` : text);
  return shown.slice(1, -1);
}

// --- encoding ----------------------------------------------------------------------------

/**
 * Percent-encodes like encodeURIComponent, but a lone surrogate (which that refuses) is
 * sent as the bytes a careless client would send: its generalized UTF-8 form.
 */
export function percentEncode(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(ch);
  }
  return out;
}

function encode(op: Operation, d: Draft): FuzzRequest {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const raw = d.rawParams[name];
    return raw ?? percentEncode(d.params[name] ?? "");
  });
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(d.query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      pairs.push(`${percentEncode(key)}=${percentEncode(String(v))}`);
    }
  }
  pairs.push(...d.rawQuery);
  const url = pairs.length > 0 ? `${path}?${pairs.join("&")}` : path;
  let payload = d.rawBody;
  if (payload === undefined && d.hasBody) {
    payload = JSON.stringify(d.body) ?? "";
    if (d.numberToken) payload = payload.replace(JSON.stringify(numberPlaceholder), d.numberToken);
  }
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers["content-type"] = d.contentType ?? "application/json";
  if (d.authorization !== undefined) headers.authorization = d.authorization;
  const raw =
    Object.keys(d.rawParams).length > 0 ||
    d.rawQuery.length > 0 ||
    d.rawBody !== undefined ||
    d.numberToken !== undefined ||
    d.contentType !== undefined;
  return {
    operation: op,
    caller: d.caller,
    kind: d.mutation ? "mutated" : "valid",
    ...(d.mutation ? { mutation: d.mutation } : {}),
    method: op.method,
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
    parts: raw
      ? null
      : { params: d.params, query: d.query, ...(d.hasBody ? { body: d.body } : {}) },
  };
}

/** FNV-1a: a stable number per operation, so each operation's requests depend only on the seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
