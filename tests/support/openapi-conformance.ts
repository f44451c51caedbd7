/**
 * Does an answer keep what the OpenAPI document promises for its operation? Its status must
 * be declared, and its body must validate against the schema declared for that status
 * (Ajv, the validator Fastify itself uses, with the same formats). And the other way round:
 * does a request break the document's own request schemas (so that accepting it is a
 * disagreement between the server and its document)?
 *
 *   const conformance = createConformance();
 *   conformance.answer(op, 200, "application/json", text)  // null, or what is wrong
 *   conformance.request(op, { params, query, body })        // null, or why it is invalid
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { JsonSchema, Operation } from "./openapi-fuzz.ts";

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule.default;

export function createConformance() {
  // strict: false because the document carries OpenAPI keywords (nullable, description).
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: JsonSchema) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    return validate;
  };
  const problems = (validate: ValidateFunction, dataVar: string) =>
    ajv.errorsText(validate.errors, { dataVar, separator: "; " });

  return {
    /** What is wrong with an answer to `op`, or null. */
    answer(op: Operation, status: number, contentType: string | undefined, text: string) {
      const key = [String(status), `${String(status)[0]}XX`, "default"].find(
        (k) => k in op.responses,
      );
      if (key === undefined) {
        return `status ${status} is not declared (declared: ${Object.keys(op.responses).join(", ")})`;
      }
      const schema = op.responses[key];
      if (!schema) return null;
      if (!contentType?.startsWith("application/json")) {
        return `the answer is ${contentType ?? "without a content type"}; the document declares JSON`;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return "the answer is not JSON";
      }
      const validate = validator(`${op.id} ${key}`, schema);
      return validate(body) ? null : problems(validate, "response");
    },

    /** Why a request's parts break the document's request schemas, or null. */
    request(
      op: Operation,
      parts: { params: Record<string, string>; query: Record<string, unknown>; body?: unknown },
    ) {
      for (const where of ["path", "query"] as const) {
        const declared = op.params.filter((p) => p.in === where);
        const values = where === "path" ? parts.params : parts.query;
        const schema: JsonSchema = {
          type: "object",
          properties: Object.fromEntries(declared.map((p) => [p.name, p.schema])),
          required: declared.filter((p) => p.required).map((p) => p.name),
        };
        const validate = validator(`${op.id} ${where}`, schema);
        if (!validate(values)) return problems(validate, where);
      }
      if (op.body) {
        if (!("body" in parts)) return "body: missing";
        const validate = validator(`${op.id} body`, op.body);
        if (!validate(parts.body)) return problems(validate, "body");
      }
      return null;
    },
  };
}

export type Conformance = ReturnType<typeof createConformance>;
