import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AvroRecordSchema } from "./event-type.ts";

/** schemas/avro/: one folder per service, one .avsc per event type, plus topics.json. */
export const avroRoot = resolve(fileURLToPath(new URL("./avro", import.meta.url)));

/** One event type as the working tree defines it. */
export interface SchemaFile {
  service: string;
  /** Path relative to schemas/avro/, e.g. "auth/UserRegistered.avsc". */
  file: string;
  /** The Avro record's full name, e.g. "vobemusic.auth.UserRegistered". */
  name: string;
  topic: string;
  schema: AvroRecordSchema;
}

/**
 * Reads every service's .avsc files and the topic each event is written to, from
 * `<service>/topics.json` ({ topic: [event names] }). The topic mapping lives beside the
 * schemas, not in catalog.ts, because catalog.ts imports the generated code that is made
 * from these files.
 */
export function loadSchemaFiles(root: string = avroRoot): SchemaFile[] {
  const files: SchemaFile[] = [];
  const services = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const service of services) {
    const dir = join(root, service);
    const topicOf = new Map<string, string>();
    const topics = JSON.parse(readFileSync(join(dir, "topics.json"), "utf8")) as Record<
      string,
      string[]
    >;
    for (const [topic, events] of Object.entries(topics)) {
      for (const event of events) topicOf.set(event, topic);
    }
    const avsc = readdirSync(dir)
      .filter((f) => f.endsWith(".avsc"))
      .sort();
    for (const entry of avsc) {
      const path = join(dir, entry);
      const schema = JSON.parse(readFileSync(path, "utf8")) as AvroRecordSchema;
      const file = relative(root, path);
      if (`${schema.name}.avsc` !== entry) {
        throw new Error(`${file}: the record is named ${schema.name}; the file must be too`);
      }
      const topic = topicOf.get(schema.name);
      if (!topic) throw new Error(`${file}: ${service}/topics.json gives it no topic`);
      topicOf.delete(schema.name);
      files.push({ service, file, name: `${schema.namespace}.${schema.name}`, topic, schema });
    }
    for (const missing of topicOf.keys()) {
      throw new Error(`${service}/topics.json names ${missing}, which has no ${missing}.avsc`);
    }
  }
  return files;
}
