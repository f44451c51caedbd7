import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frameworkErrors, installErrorHandler } from "../../api/http/error-handler.ts";
import { Name, Text } from "../../api/http/schemas.ts";
import { installTextChecks, queryEncodingProblems, textKeyword } from "../../api/http/text.ts";

// The text rules of api/http/text.ts on a Fastify app set up as api/app.ts sets it up,
// with an echo route: what a route's handler would see, or the refusal. The real stack's
// version (nothing written, real routes) is tests/integration/api-bad-input.test.ts.

const app = Fastify({
  ajv: {
    customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true },
    plugins: [textKeyword],
  },
  frameworkErrors,
}).withTypeProvider<TypeBoxTypeProvider>();

beforeAll(async () => {
  installErrorHandler(app);
  installTextChecks(app);
  app.post(
    "/echo",
    {
      schema: {
        body: Type.Object(
          {
            name: Type.Optional(Name(50)),
            bio: Type.Optional(Type.Union([Text(200), Type.Null()])),
            tags: Type.Optional(Type.Array(Name(20))),
            password: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => request.body,
  );
  app.get("/things/:id", async (request) => request.params);
  app.get(
    "/search",
    { schema: { querystring: Type.Object({ q: Text(100), n: Type.Optional(Type.String()) }) } },
    async (request) => request.query,
  );
  await app.ready();
});
afterAll(() => app.close());

const post = (payload: unknown) =>
  app.inject({
    method: "POST",
    url: "/echo",
    headers: { "content-type": "application/json" },
    payload:
      typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });

describe("ill-formed Unicode is refused before validation, naming the field", () => {
  it.each([
    ["a lone high surrogate", '{"name":"a\\ud800b"}', "body.name"],
    ["a lone low surrogate", '{"bio":"\\udc00"}', "body.bio"],
    ["one in an array", '{"tags":["ok","\\ud83d"]}', "body.tags.1"],
    ["one in a password (not text, still a string)", '{"password":"pw\\ud800"}', "body.password"],
    ["one in an unknown field", '{"extra":"\\ud800"}', "body.extra"],
  ])("%s", async (_what, body, path) => {
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe("ill_formed_unicode");
    expect(error.fields.map((f: { path: string }) => f.path)).toEqual([path]);
    expect(error.fields[0].message).toMatch(/lone surrogate \(U\+D[89A-F][0-9A-F]{2}\)/);
  });

  it("a lone surrogate in a property name", async () => {
    const res = await post('{"\\ud800":1}');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("ill_formed_unicode");
  });

  it("a well-formed pair (an emoji, escaped or not) passes", async () => {
    const res = await post('{"name":"\\ud83d\\ude00 and 😀"}');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().name).toBe("😀 and 😀");
  });

  it("a body that is not UTF-8 is refused, not decoded with U+FFFD", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"name":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const res = await post(bytes);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({
      code: "ill_formed_unicode",
      fields: [{ path: "body" }],
    });
  });

  it("malformed JSON and prototype poisoning are still refused as before", async () => {
    expect((await post('{"name":')).json().error.code).toBe("malformed_json");
    const poisoned = await post('{"__proto__":{"x":1}}');
    expect(poisoned.statusCode).toBe(400);
  });
});

describe("names and texts", () => {
  it("are stored in NFC: a decomposed é arrives composed", async () => {
    const decomposed = "Cafe\u0301";
    const res = await post({ name: decomposed, bio: `Bio ${decomposed}`, tags: [decomposed] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ name: "Caf\u00e9", bio: "Bio Caf\u00e9", tags: ["Caf\u00e9"] });
  });

  it("a password is not text: kept exactly as sent", async () => {
    const res = await post({ password: "Cafe\u0301" });
    expect(res.json().password).toBe("Cafe\u0301");
  });

  it.each([
    ["zero-width spaces", "\u200b\u200b"],
    ["a zero-width joiner and a BOM", "\u200d\ufeff"],
    ["the Hangul filler", "\u3164"],
    ["the braille blank", "\u2800"],
    ["spaces of all widths", "\u2003\u00a0\u3000"],
    ["combining marks with no base", "\u0301\u0308"],
    ["a word joiner and a soft hyphen", "\u2060\u00ad"],
  ])("a name of only invisible characters (%s) is refused", async (_what, name) => {
    const res = await post({ name });
    expect(res.statusCode, res.body).toBe(400);
    // (Spaces alone also fail the one-line pattern: both are named.)
    expect(res.json().error.fields).toContainEqual({
      path: "body.name",
      message: "has no visible character",
    });
  });

  it("a text of only invisible characters is refused too", async () => {
    const res = await post({ bio: "\u200b\n\u200b" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0].path).toBe("body.bio");
  });

  it.each([
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
  ])("a name with the bidi control %j is refused", async (control) => {
    const res = await post({ name: `evil${control}gnp.exe` });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({
      path: "body.name",
      message: expect.stringContaining("bidirectional control"),
    });
  });

  it("a text may carry bidi controls (right-to-left writing uses isolates); a name may carry RLM", async () => {
    expect((await post({ bio: "quote: \u2067שלום\u2069" })).statusCode).toBe(200);
    expect((await post({ name: "שלום\u200f" })).statusCode).toBe(200);
  });
});

describe("query strings", () => {
  const get = (query: string) => app.inject({ method: "GET", url: `/search?${query}` });

  it.each([
    ["q=%FF%FE", "query.q"],
    ["q=%ED%A0%80", "query.q"], // an encoded surrogate is not UTF-8 either
    ["q=ok&n=%C3", "query.n"],
  ])("%s (not UTF-8 once decoded) is 400, not a search for the raw text", async (query, path) => {
    const res = await get(query);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: "ill_formed_unicode", fields: [{ path }] });
  });

  it("a broken escape is 400 malformed_query", async () => {
    const res = await get("q=100%");
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: "malformed_query",
      fields: [{ path: "query.q" }],
    });
  });

  it("good escapes, plus signs and NFC", async () => {
    const res = await get("q=caf%C3%A9+bar&n=%F0%9F%98%80");
    expect(res.json()).toEqual({ q: "café bar", n: "😀" });
    expect((await get("q=Cafe%CC%81")).json().q).toBe("Caf\u00e9");
  });

  it("a path param that does not decode to UTF-8 is 400 in the usual shape", async () => {
    const res = await app.inject({ method: "GET", url: "/things/%FF" });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "malformed_url", fields: [{ path: "params" }] });
  });

  it("queryEncodingProblems reads keys and values", () => {
    expect(queryEncodingProblems("/x")).toEqual({ malformed: false, fields: [] });
    expect(queryEncodingProblems("/x?%FF=1").fields).toEqual([
      {
        path: "query",
        message: "a parameter name is not valid UTF-8 once its percent-escapes are decoded",
      },
    ]);
  });
});
