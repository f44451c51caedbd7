import avro from "avsc";
import { describe, expect, it } from "vitest";
import { logicalTypes } from "../../platform/registry/logical-types.ts";
import { loadSchemaFiles } from "../../schemas/avro-files.ts";
import { catalog, topicConfigs } from "../../schemas/catalog.ts";
import { eventsDocPath, staleFiles, staleGeneratedTypeScript } from "../../schemas/codegen.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { renderEventsDoc } from "../../schemas/events-doc.ts";
import { allEventTypes } from "../../schemas/generated/index.ts";
import { allViews } from "../../sinks/views.ts";

const files = loadSchemaFiles();
const avroName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The parts of an Avro schema these rules look at. */
interface Node {
  type: unknown;
  name?: string;
  namespace?: string;
  doc?: string;
  fields?: Array<{ name: string; type: unknown; doc?: string }>;
  symbols?: string[];
  items?: unknown;
}

const node = (schema: unknown): Node | null =>
  schema && typeof schema === "object" && !Array.isArray(schema) ? (schema as Node) : null;

/** Every record (the event and the ones nested in it) with its path, for the doc rules. */
function records(schema: unknown, path: string): Array<{ path: string; record: Node }> {
  if (Array.isArray(schema)) return schema.flatMap((s) => records(s, path));
  const s = node(schema);
  if (s?.type === "record") {
    return [
      { path, record: s },
      ...(s.fields ?? []).flatMap((f) => records(f.type, `${path}.${f.name}`)),
    ];
  }
  if (s?.type === "array") return records(s.items, `${path}[]`);
  return [];
}

function enums(schema: unknown): Node[] {
  if (Array.isArray(schema)) return schema.flatMap(enums);
  const s = node(schema);
  if (s?.type === "enum") return [s];
  if (s?.type === "record") return (s.fields ?? []).flatMap((f) => enums(f.type));
  if (s?.type === "array") return enums(s.items);
  return [];
}

const nonNull = (type: unknown) => (Array.isArray(type) ? type.find((t) => t !== "null") : type);

describe("the event schemas (schemas/avro)", () => {
  it.each(files.map((f) => [f.file, f]))("%s parses with avsc and our logical types", (_, f) => {
    expect(() => avro.Type.forSchema(f.schema as avro.Schema, { logicalTypes })).not.toThrow();
    expect(f.schema.namespace).toBe(`vobemusic.${f.service}`);
  });

  it("document every record and every field", () => {
    for (const f of files) {
      for (const { path, record } of records(f.schema, f.file)) {
        expect(record.namespace, `${path} namespace`).toMatch(/^vobemusic\./);
        expect(record.doc, `${path} doc`).toMatch(/\w{3,}/);
        for (const field of record.fields ?? []) {
          expect(field.doc, `${path}.${field.name} doc`).toMatch(/\w{3,}/);
        }
      }
    }
  });

  it("start with the envelope: eventId (uuid), occurredAt (timestamp-millis), actor", () => {
    for (const f of files) {
      const [eventId, occurredAt, actor] = f.schema.fields;
      expect([eventId?.name, occurredAt?.name, actor?.name], f.file).toEqual([
        "eventId",
        "occurredAt",
        "actor",
      ]);
      expect(eventId?.type).toEqual({ type: "string", logicalType: "uuid" });
      expect(occurredAt?.type).toEqual({ type: "long", logicalType: "timestamp-millis" });
      const envelope = node(actor?.type);
      expect(envelope?.name).toBe("Actor");
      expect(envelope?.namespace).toBe("vobemusic.common");
      expect(node(envelope?.fields?.[1]?.type)?.symbols).toEqual([
        "listener",
        "artist",
        "admin",
        "operator",
        "system",
      ]);
    }
  });

  it("type every id as a uuid and every optional field as a null-first union defaulting to null", () => {
    for (const f of files) {
      for (const field of f.schema.fields) {
        if (/Id$/.test(field.name) || field.name === "inReplyTo") {
          expect(nonNull(field.type), `${f.file} ${field.name}`).toEqual({
            type: "string",
            logicalType: "uuid",
          });
        }
        if (Array.isArray(field.type)) {
          expect(field.type[0], `${f.file} ${field.name}`).toBe("null");
          expect(field.default, `${f.file} ${field.name}`).toBeNull();
        }
      }
    }
  });

  it("use valid Avro names for every enum symbol", () => {
    for (const f of files) {
      for (const e of enums(f.schema)) for (const s of e.symbols ?? []) expect(s).toMatch(avroName);
    }
  });

  it("are the generated event types, one each, with the topic of topics.json", () => {
    expect(allEventTypes.map((e) => e.name).sort()).toEqual(files.map((f) => f.name).sort());
    for (const f of files) {
      const event = allEventTypes.find((e) => e.name === f.name);
      expect(event?.topic).toBe(f.topic);
      expect(event?.schema).toEqual(f.schema);
    }
  });
});

describe("the topic catalog (schemas/catalog.ts)", () => {
  it("names each topic once, and every topic carries events", () => {
    const names = catalog.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of catalog) expect(t.events.length, t.name).toBeGreaterThan(0);
  });

  it("puts every event type in exactly the topic its EventType names", () => {
    const carried = catalog.flatMap((t) => t.events.map((e) => ({ topic: t.name, event: e })));
    expect(carried.map((c) => c.event.name).sort()).toEqual(
      allEventTypes.map((e) => e.name).sort(),
    );
    for (const c of carried) expect(c.event.topic).toBe(c.topic);
    const subjects = carried.map((c) => subjectOf(c.event));
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it("keeps every topic's data forever; of the system of record, compacts only the credentials", () => {
    // The exceptions: topics that no view reads and no rebuild needs, kept as long as they
    // are useful (docs/adr/024-guide-replies.md). Each is named here with why.
    const bounded = new Map([
      ["chat.reply-stream", "pieces of a reply while it streams; the reply itself is kept"],
      ["chat.usage", "what each reply cost a user, for budgets and analysts"],
      ["ops.view-commands", "commands to the sinks process; what each did is kept in ops.audit"],
    ]);
    const viewed = new Set(allViews().flatMap((v) => v.events.map((e) => e.topic)));
    for (const t of catalog) {
      const configs = topicConfigs(t, 1);
      if (bounded.has(t.name)) {
        expect(viewed.has(t.name), `${t.name} is read by a view`).toBe(false);
        expect(Number(configs["retention.ms"]), t.name).toBeGreaterThan(0);
        continue;
      }
      expect(configs["retention.ms"], t.name).toBe("-1");
      expect(configs["retention.bytes"], t.name).toBe("-1");
      if (!t.derived) {
        expect(t.cleanupPolicy, t.name).toBe(t.name === "auth.credentials" ? "compact" : "delete");
      }
    }
  });

  it("compacts derived tables (latest value per key, tombstones delete) and keeps derived facts", () => {
    const derived = catalog.filter((t) => t.derived);
    expect(derived.length).toBeGreaterThan(0);
    for (const t of derived) {
      expect(t.cleanupPolicy, t.name).toBe(t.tombstones ? "compact" : "delete");
    }
  });

  it("keeps analysts out of the restricted credentials topic", () => {
    const credentials = catalog.find((t) => t.name === "auth.credentials");
    expect(credentials?.restricted).toBe(true);
    expect(credentials?.tombstones).toBe(true);
    expect(credentials?.readers).not.toContain("analysts");
    for (const t of catalog.filter((t) => t.restricted))
      expect(t.readers).not.toContain("analysts");
  });

  it("gives plays and likes 6 partitions and the other topics 3", () => {
    // The operators' commands to the one sinks process: one partition, run in the order posted.
    const single = new Set(["ops.view-commands"]);
    for (const t of catalog) {
      const wanted = single.has(t.name) ? 1 : t.name.startsWith("listening.") ? 6 : 3;
      expect(t.partitions, t.name).toBe(wanted);
    }
  });

  it("asks min.insync.replicas that the replication factor can meet", () => {
    const [entry] = catalog;
    if (!entry) throw new Error("empty catalog");
    expect(topicConfigs(entry, 1)["min.insync.replicas"]).toBe("1");
    expect(topicConfigs(entry, 3)["min.insync.replicas"]).toBe("2");
  });
});

describe("generated code and docs", () => {
  it("are up to date with the .avsc files and the catalog (else run `vobe schemas generate`)", () => {
    expect(staleGeneratedTypeScript()).toEqual([]);
    expect(staleFiles(new Map([[eventsDocPath, renderEventsDoc(catalog)]]))).toEqual([]);
  });
});
