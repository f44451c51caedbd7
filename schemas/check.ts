/**
 * `vobe schemas check`: would registering the working tree's schemas break a consumer?
 * Each .avsc is compared with its subject's registered versions under the subject's level,
 * by our own rules (which name the field) and by the registry's (which decides).
 */
import {
  type CompatibilityLevel,
  type RegistryApi,
  registryApi,
} from "../platform/registry/confluent-api.ts";
import { loadSchemaFiles } from "./avro-files.ts";
import { incompatibilities } from "./compatibility.ts";
import { subjectOf } from "./event-type.ts";

export interface SubjectCheck {
  subject: string;
  level: CompatibilityLevel;
  /** "new": nothing registered yet; "same": the latest version is this schema. */
  status: "new" | "same" | "compatible" | "incompatible";
  /** One line per problem, naming the subject and the field. */
  problems: string[];
}

export async function checkSubject(
  registry: RegistryApi,
  subject: string,
  schema: object,
): Promise<SubjectCheck> {
  const level =
    (await registry.subjectCompatibility(subject)) ?? (await registry.globalCompatibility());
  const versions = await registry.versions(subject);
  const latest = versions.at(-1);
  if (!latest) return { subject, level, status: "new", problems: [] };
  const text = JSON.stringify(schema);
  if (JSON.stringify(JSON.parse(latest.schema)) === text) {
    return { subject, level, status: "same", problems: [] };
  }
  if (level === "NONE") return { subject, level, status: "compatible", problems: [] };

  const against = level.endsWith("_TRANSITIVE") ? versions : [latest];
  const ours = against.flatMap((v) =>
    incompatibilities(JSON.parse(v.schema), schema, level).map(
      (i) =>
        `${subject}: ${i.message}${against.length > 1 ? ` (against version ${v.version})` : ""}`,
    ),
  );
  const registrySaysCompatible = await registry.isCompatibleWithLatest(subject, text);
  const problems = [...ours];
  if (!registrySaysCompatible && ours.length === 0) {
    problems.push(
      `${subject}: the registry refuses this schema under ${level}, for a reason our rules miss`,
    );
  }
  if (registrySaysCompatible && ours.length > 0) {
    // Ours is the stricter reading of the Avro spec here; a consumer would still break.
    problems.push(
      `${subject}: (the registry would accept it, but the rules above say a reader breaks)`,
    );
  }
  return { subject, level, status: problems.length > 0 ? "incompatible" : "compatible", problems };
}

/** Checks every working-tree .avsc against its registered subject. */
export async function checkSchemas(
  schemaRegistryUrl: string,
  options: { topicPrefix?: string } = {},
): Promise<SubjectCheck[]> {
  const registry = registryApi(schemaRegistryUrl);
  const results: SubjectCheck[] = [];
  for (const file of loadSchemaFiles()) {
    const subject = subjectOf({
      topic: `${options.topicPrefix ?? ""}${file.topic}`,
      name: file.name,
    });
    results.push(await checkSubject(registry, subject, file.schema));
  }
  return results;
}
