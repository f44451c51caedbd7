/**
 * The fuzz generator (tests/support/openapi-fuzz.ts) on a small document with the shapes the
 * API's uses: its valid requests really are valid (else the fuzz run would stop at the 400s),
 * a seed gives the same requests again, and its mutations break what they say they break.
 */
import { describe, expect, it } from "vitest";
import { createConformance } from "../support/openapi-conformance.ts";
import {
  type FuzzOptions,
  generable,
  type OpenApiDocument,
  operationsOf,
  percentEncode,
  requestsFor,
} from "../support/openapi-fuzz.ts";

const text = {
  type: "string",
  minLength: 1,
  maxLength: 80,
  pattern: "^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]*$",
};
const uuid = { type: "string", format: "uuid", maxLength: 36 };

const doc: OpenApiDocument = {
  paths: {
    "/api/things/{id}": {
      patch: {
        parameters: [{ name: "id", in: "path", required: true, schema: uuid }],
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  title: text,
                  kind: { type: "string", enum: ["a", "b"] },
                  at: { type: "string", format: "date-time" },
                  count: { type: "integer", minimum: 1, maximum: 100 },
                  note: { ...text, nullable: true },
                  tags: { type: "array", items: text, minItems: 1, maxItems: 5 },
                  link: { type: "string", format: "uri", maxLength: 2048, pattern: "^https?://" },
                },
                required: ["title", "kind"],
                additionalProperties: false,
                minProperties: 2,
              },
            },
          },
        },
        security: [{ bearer: [] }],
        responses: { "202": {}, "400": {} },
      },
    },
    "/api/things": {
      get: {
        parameters: [
          {
            name: "limit",
            in: "query",
            schema: { type: "string", pattern: "^(?:[1-9][0-9]?|100)$" },
          },
          { name: "q", in: "query", required: true, schema: { type: "string", minLength: 1 } },
        ],
        responses: { "200": {} },
      },
    },
  },
};

const options: FuzzOptions = {
  seed: 7,
  valid: 30,
  mutated: 30,
  callers: ["anonymous", "listener"],
  hints: (_where, name) => (name === "id" ? ["6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5"] : undefined),
};

describe("the OpenAPI fuzz generator", () => {
  const operations = operationsOf(doc);
  const conformance = createConformance();

  it("reads every operation with its parameters, body and security", () => {
    expect(operations.map((op) => [op.id, op.params.length, !!op.body, op.secured])).toEqual([
      ["PATCH /api/things/{id}", 1, true, true],
      ["GET /api/things", 2, false, false],
    ]);
  });

  it("makes valid requests that the document's own schemas accept", () => {
    for (const op of operations) {
      for (const request of requestsFor(op, options).filter((r) => r.kind === "valid")) {
        expect(request.parts).not.toBeNull();
        const parts = request.parts as NonNullable<typeof request.parts>;
        expect(conformance.request(op, parts), `${request.url} ${request.payload}`).toBeNull();
      }
    }
  });

  it("replays the same requests from the same seed, and others from another", () => {
    const op = operations[0] as (typeof operations)[number];
    const urls = (seed: number) =>
      requestsFor(op, { ...options, seed }).map((r) => `${r.url} ${r.payload} ${r.caller}`);
    expect(urls(7)).toEqual(urls(7));
    expect(urls(8)).not.toEqual(urls(7));
  });

  it("mutates: most mutated requests break the document's schemas or are sent raw", () => {
    const op = operations[0] as (typeof operations)[number];
    const mutated = requestsFor(op, { ...options, mutated: 120 }).filter(
      (r) => r.kind === "mutated",
    );
    expect(mutated.every((r) => typeof r.mutation === "string")).toBe(true);
    const broken = mutated.filter(
      (r) => r.parts === null || conformance.request(op, r.parts) !== null,
    );
    // Some mutations stay valid on purpose (odd but well-formed text, a value at its bound,
    // a bad token on a good request).
    expect(broken.length).toBeGreaterThan(mutated.length / 2);
    const missing = mutated.find((r) => r.mutation === "body.title: missing");
    if (missing) expect(JSON.parse(missing.payload as string)).not.toHaveProperty("title");
  });

  it("drops a leading lookahead for generation, and sends lone surrogates as careless clients do", () => {
    expect(generable(text.pattern)).toBe("^[^\\u0000-\\u001f\\u007f-\\u009f]*$");
    expect(generable("^(?:a|b)$")).toBe("^(?:a|b)$");
    expect(percentEncode("a\ud800b é")).toBe("a%ED%A0%80b%20%C3%A9");
  });
});
