/**
 * The URL's and the headers' limits over a real socket (Node's HTTP parser answers 431
 * before Fastify sees a request, so `inject` cannot show it): 414 and 431 in the usual
 * error shape, declared in the OpenAPI document, as are the formats of `after` and `cursor`.
 */
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxHeaderBytes, maxUrlLength } from "../../api/http/limits.ts";
import { parsePositions } from "../../api/read/positions.ts";
import { startTestApi, type TestApi } from "../support/api-app.ts";

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Sends `request` as is and reads the whole answer (the server closes after a refusal). */
function raw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 10 s")), 10_000);
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text.slice(0, split));
      // A refusal may keep the connection open (a route's 414): stop at the body's end.
      if (split >= 0 && length && Buffer.byteLength(text.slice(split + 4)) >= Number(length[1])) {
        socket.end();
      }
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      resolve({
        status: Number(text.slice(9, 12)),
        headers: text.slice(0, split),
        body: text.slice(split + 4),
      });
    });
    socket.write(request);
  });
}

const get = (path: string, headers = "") =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;

describe("the URL's and the headers' limits", () => {
  let api: TestApi;
  let port: number;

  beforeAll(async () => {
    api = await startTestApi("limits", { processors: [] });
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    const address = api.app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(async () => {
    await api?.stop();
  });

  const shaped = (answer: RawAnswer, status: number, code: string) => {
    expect(answer.status, answer.body).toBe(status);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code, message: expect.any(String) });
    expect(Object.keys(body)).toEqual(["error"]);
    return body.error;
  };

  it("answers 414 uri_too_long for a URL past the limit, whether the route or the parser sees it", async () => {
    // Past the URL's limit, well within the headers': refused before the route's schema
    // (which would answer 400 for the over-long cursor).
    const long = `/api/artist/artists?cursor=${"a".repeat(maxUrlLength)}`;
    const error = shaped(await raw(port, get(long)), 414, "uri_too_long");
    expect(error.fields).toEqual([{ path: "url", message: expect.any(String) }]);
    // Past the parser's own limit: the request line alone overflows it.
    const huge = `/api/artist/artists?cursor=${"a".repeat(maxHeaderBytes + 4_000)}`;
    shaped(await raw(port, get(huge)), 414, "uri_too_long");
    // A route that does not exist: the same answer, not a 404.
    shaped(await raw(port, get(`/nowhere/${"x".repeat(maxUrlLength)}`)), 414, "uri_too_long");
  });

  it("answers 431 headers_too_large for headers past the limit", async () => {
    const big = `X-Padding: ${"p".repeat(maxHeaderBytes + 1_000)}\r\n`;
    const error = shaped(
      await raw(port, get("/api/artist/artists", big)),
      431,
      "headers_too_large",
    );
    expect(error.fields).toEqual([{ path: "headers", message: expect.any(String) }]);
    // Many small headers add up the same way.
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${"v".repeat(50)}\r\n`).join("");
    shaped(await raw(port, get("/api/artist/artists", many)), 431, "headers_too_large");
  });

  it("still answers a request just within both limits", async () => {
    const answer = await raw(port, get(`/api/artist/artists?limit=5&x=${"a".repeat(7_000)}`));
    // Within the limits the route's own schema decides (x is not a parameter of it).
    shaped(answer, 400, "invalid_request");
  });

  it("declares 414 and 431 on every operation, with the error shape", async () => {
    const doc = (await api.app.inject({ url: "/api/openapi.json" })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const status of ["414", "431"]) {
          const declared = op.responses[status] as
            | { content?: Record<string, { schema?: { properties?: object } }> }
            | undefined;
          const schema = declared?.content?.["application/json"]?.schema;
          if (!schema?.properties || !("error" in schema.properties)) {
            missing.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("declares the formats of after and cursor, and values built from them are understood", async () => {
    const doc = (await api.app.inject({ url: "/api/openapi.json" })).json() as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{
              name: string;
              description?: string;
              schema: Record<string, string>;
            }>;
          }
        >
      >;
    };
    const params = Object.values(doc.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => op.parameters ?? []);
    const after = params.filter((p) => p.name === "after");
    const cursor = params.filter((p) => p.name === "cursor");
    expect(after.length).toBeGreaterThan(10);
    expect(cursor.length).toBeGreaterThan(5);
    for (const p of [...after, ...cursor]) {
      expect(p.schema.pattern, p.name).toBeTypeOf("string");
      // OpenAPI 3 puts a parameter's description beside its schema.
      expect(p.description ?? p.schema.description, p.name).toBeTypeOf("string");
    }
    // A schema-driven client's values of `after` are positions the API parses.
    const pattern = new RegExp(after[0]?.schema.pattern ?? "", "u");
    for (const value of fc.sample(fc.stringMatching(pattern, { maxLength: 400 }), {
      numRuns: 200,
      seed: 12,
    })) {
      const topics = new Set(value.split(",").map((p) => p.split(":")[0] ?? ""));
      expect(() => parsePositions(value, { name: "x", topics })).not.toThrow();
    }
    // A value its pattern refuses keeps the code its parser would give.
    const refused = await api.app.inject({ url: "/api/artist/artists?after=a:b:c" });
    expect(refused.json().error.code).toBe("invalid_position");
    const badCursor = await api.app.inject({ url: "/api/artist/artists?cursor=not%20a%20cursor" });
    expect(badCursor.json().error.code).toBe("invalid_cursor");
  });
});
