import { describe, expect, it } from "vitest";
import {
  loadConnectorDefinitions,
  renderConnector,
} from "../../connect/kafka-connect/definitions.ts";
import { catalog } from "../../schemas/catalog.ts";
import { apicurioV2Url, workerProperties } from "../../stack/services/connect.ts";

const definitions = loadConnectorDefinitions();

type AvroType = string | { type: string; fields?: AvroField[] } | AvroType[];
interface AvroField {
  name: string;
  type: AvroType;
}

/** A record field nested in `type` (also inside a nullable union), as Flatten$Value sees it. */
function nestedRecord(type: AvroType): AvroField[] | undefined {
  if (Array.isArray(type)) return type.map(nestedRecord).find((f) => f !== undefined);
  if (typeof type === "object" && type.type === "record") return type.fields;
  return undefined;
}

/** Column names Flatten$Value (delimiter "_") makes of a record's fields. */
function flattened(fields: readonly AvroField[], prefix = ""): string[] {
  return fields.flatMap((f) => {
    const inner = nestedRecord(f.type);
    return inner ? flattened(inner, `${prefix}${f.name}_`) : [`${prefix}${f.name}`];
  });
}

/** The table's columns: flattened fields, ReplaceField's exclude and renames applied. */
function columns(config: Record<string, string>): string[] {
  const entry = catalog.find((t) => t.name === config.topics);
  const fields = (entry?.events ?? []).flatMap((e) =>
    flattened(e.schema.fields as unknown as AvroField[]),
  );
  const exclude = new Set((config["transforms.columns.exclude"] ?? "").split(",").filter(Boolean));
  const renames = new Map(
    (config["transforms.columns.renames"] ?? "")
      .split(",")
      .filter(Boolean)
      .map((pair) => pair.split(":") as [string, string]),
  );
  const keyField = config["transforms.key.field"];
  return [
    ...new Set([
      ...(keyField ? [keyField] : []),
      ...fields.filter((f) => !exclude.has(f)).map((f) => renames.get(f) ?? f),
    ]),
  ];
}

describe("Kafka Connect definitions (connect/kafka-connect/)", () => {
  it("copy topics of the catalog that analysts may read, never a restricted one", () => {
    expect(definitions.map((d) => d.name)).toEqual(["analytics-plays", "analytics-tracks"]);
    for (const d of definitions) {
      // The `connect` principal's ACLs cover `analytics-…` connectors' groups only.
      expect(d.name.startsWith("analytics-")).toBe(true);
      const entry = catalog.find((t) => t.name === d.config.topics);
      expect(entry, d.config.topics).toBeDefined();
      expect(entry?.readers).toContain("analysts");
      expect(entry?.restricted).toBeFalsy();
    }
  });

  it("name every column in snake_case (Postgres would fold camelCase to occurredat), keys included", () => {
    for (const d of definitions) {
      const cols = columns(d.config);
      expect(cols.length).toBeGreaterThan(5);
      for (const c of cols) expect(c, `${d.name}: ${c}`).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      for (const key of (d.config["primary.key.fields"] ?? "").split(",")) {
        expect(cols, `${d.name}: key ${key}`).toContain(key);
      }
      // Upserts by a key the record carries: a record copied twice is one row.
      expect(d.config["insert.mode"]).toBe("upsert");
    }
  });

  it("keep the database and its password out of the definitions; a deployment adds them by reference", () => {
    for (const d of definitions) {
      expect(Object.keys(d.config).some((k) => k.startsWith("connection."))).toBe(false);
      const rendered = renderConnector(d, {
        jdbcUrl: "jdbc:postgresql://127.0.0.1:5432/analytics_t1",
        username: "vobe_connect",
        passwordRef: `\${file:/x/analytics.properties:password}`,
        topicPrefix: "test.x.",
        nameSuffix: "-t1",
      });
      expect(rendered.name).toBe(`${d.name}-t1`);
      expect(rendered.config.topics).toBe(`test.x.${d.config.topics}`);
      expect(rendered.config["connection.password"]).toMatch(/^\$\{file:/);
    }
  });
});

describe("the Connect worker's properties", () => {
  const options = {
    name: "connect",
    restPort: 8083,
    groupId: "analytics-connect",
    kafkaBrokers: ["127.0.0.1:9092"],
    schemaRegistryUrl: "http://127.0.0.1:8081/apis/ccompat/v7",
  };

  it("read the Confluent wire format (magic byte, 4-byte content id) through Apicurio's v2 API", () => {
    const props = workerProperties(options, ["/p"]);
    expect(apicurioV2Url(options.schemaRegistryUrl)).toBe("http://127.0.0.1:8081/apis/registry/v2");
    expect(props).toContain(
      "value.converter.apicurio.registry.id-handler=io.apicurio.registry.serde.Legacy4ByteIdHandler",
    );
    expect(props).toContain("value.converter.apicurio.registry.use-id=contentId");
    expect(props).toContain("consumer.isolation.level=read_committed");
    expect(props).toContain("config.storage.topic=analytics-connect-configs");
    expect(props).not.toContain("sasl");
  });

  it("log every client of the worker in as its principal when the broker wants SASL", () => {
    const props = workerProperties(
      { ...options, sasl: { username: "connect", password: "p" } },
      [],
    );
    for (const prefix of ["", "producer.", "consumer.", "admin."]) {
      expect(props).toContain(`\n${prefix}security.protocol=SASL_PLAINTEXT\n`);
      expect(props).toContain(`\n${prefix}sasl.mechanism=SCRAM-SHA-256\n`);
    }
    expect(props).toContain('username="connect" password="p"');
  });
});
