import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RegistryHttpError, registryApi } from "../../platform/registry/confluent-api.ts";
import { checkSchemas, checkSubject } from "../../schemas/check.ts";
import { UserRegistered } from "../../schemas/generated/auth.ts";

const registry = () => registryApi(inject("endpoints").schemaRegistryUrl);
const v1 = UserRegistered.schema;
const withField = (field: object) => ({ ...v1, fields: [...v1.fields, field] });

describe("vobe schemas check, against the real registry", () => {
  const subjects: string[] = [];
  const subjectAt = async (level: "BACKWARD" | "FULL") => {
    const subject = `test.check.${randomUUID().slice(0, 8)}-${UserRegistered.name}`;
    subjects.push(subject);
    await registry().setSubjectCompatibility(subject, level);
    await registry().register(subject, JSON.stringify(v1));
    return subject;
  };
  afterAll(async () => {
    for (const subject of subjects) await registry().deleteSubject(subject);
  });

  it("passes the registered schema itself and a compatible change, which the registry accepts", async () => {
    const subject = await subjectAt("BACKWARD");
    expect((await checkSubject(registry(), subject, v1)).status).toBe("same");
    const optional = withField({
      name: "referrer",
      type: ["null", "string"],
      default: null,
      doc: "Where the user came from.",
    });
    const result = await checkSubject(registry(), subject, optional);
    expect(result).toEqual({ subject, level: "BACKWARD", status: "compatible", problems: [] });
    expect(await registry().register(subject, JSON.stringify(optional))).toBeGreaterThan(0);
  });

  it("reports an incompatible change naming the subject and the field, and the registry refuses it (409)", async () => {
    const subject = await subjectAt("BACKWARD");
    const required = withField({ name: "phone", type: "string", doc: "A phone number." });
    const result = await checkSubject(registry(), subject, required);
    expect(result.status).toBe("incompatible");
    expect(result.problems).toEqual([
      `${subject}: field \`phone\` was added without a default, so old records, which lack it, cannot be read: BACKWARD requires the new schema to read every record written with the old one`,
    ]);
    const refusal = await registry()
      .register(subject, JSON.stringify(required))
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RegistryHttpError);
    expect((refusal as RegistryHttpError).status).toBe(409);
    expect((refusal as RegistryHttpError).message).toMatch(/phone/);
  });

  it("holds FULL subjects to both directions: a removed field is refused by both", async () => {
    const subject = await subjectAt("FULL");
    const withoutEmail = { ...v1, fields: v1.fields.filter((f) => f.name !== "email") };
    const result = await checkSubject(registry(), subject, withoutEmail);
    expect(result.problems).toEqual([
      `${subject}: field \`email\` was removed, and the old schema gives it no default: FULL requires the old schema (consumers not yet upgraded) to read records written with the new one`,
    ]);
    const refusal = await registry()
      .register(subject, JSON.stringify(withoutEmail))
      .catch((e: unknown) => e);
    expect((refusal as RegistryHttpError).status).toBe(409);
  });

  it("checks every working-tree .avsc; subjects not registered yet are new", async () => {
    const results = await checkSchemas(inject("endpoints").schemaRegistryUrl, {
      topicPrefix: `test.check.${randomUUID().slice(0, 8)}.`,
    });
    expect(results.length).toBeGreaterThan(20);
    expect(results.every((r) => r.status === "new")).toBe(true);
  });
});
