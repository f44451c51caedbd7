import { describe, expect, it } from "vitest";
import { catalog } from "../../schemas/catalog.ts";
import { viewNames } from "../../sinks/views.ts";
import { platformKafkaAcls } from "../../stack/access.ts";
import {
  type AclRule,
  analystPrincipal,
  apiPrincipal,
  apiServicePrincipal,
  connectPrincipal,
  processorsPrincipal,
  services,
  sinksPrincipal,
} from "../../stack/kafka-acls.ts";

const rules = await platformKafkaAcls();
const may = (principal: string, operation: AclRule["operation"], topic: string) =>
  rules.some(
    (r) =>
      r.principal === principal &&
      r.resource === "topic" &&
      (r.operation === operation || r.operation === "ALL") &&
      (r.pattern === "literal" ? r.name === topic : topic.startsWith(r.name)),
  );

describe("Kafka ACLs derived from the topic catalog", () => {
  it("let the sinks create and write the dead letters of every view they run", () => {
    expect(viewNames).toContain("moments");
    for (const view of viewNames) {
      for (const operation of ["CREATE", "WRITE", "READ"] as const)
        expect(may(sinksPrincipal, operation, `${view}-dlq`), `${operation} ${view}-dlq`).toBe(
          true,
        );
    }
  });

  it("never lets the analyst read a restricted topic, and lets it read every topic it is listed on", () => {
    const restricted = catalog.filter((e) => e.restricted);
    expect(restricted.map((e) => e.name)).toContain("auth.credentials");
    for (const entry of restricted) expect(may(analystPrincipal, "READ", entry.name)).toBe(false);
    for (const entry of catalog.filter((e) => e.readers.includes("analysts"))) {
      expect(may(analystPrincipal, "READ", entry.name), entry.name).toBe(!entry.restricted);
    }
    expect(rules.some((r) => r.principal === analystPrincipal && r.operation === "WRITE")).toBe(
      false,
    );
  });

  it("lets a service write only the system-of-record topics it owns", () => {
    for (const entry of catalog) {
      for (const service of ["auth", "listening", "chat"] as const) {
        expect(
          may(apiServicePrincipal(service), "WRITE", entry.name),
          `${service} → ${entry.name}`,
        ).toBe(entry.owner === service && !entry.derived);
      }
    }
    expect(may(apiServicePrincipal("listening"), "READ", "auth.credentials")).toBe(false);
    expect(may(apiServicePrincipal("auth"), "READ", "auth.credentials")).toBe(true);
  });

  it("gives the one-process API the union of its services and the console's view commands (not the operators' audit trail)", () => {
    for (const entry of catalog) {
      expect(may(apiPrincipal, "WRITE", entry.name), entry.name).toBe(
        (services.includes(entry.owner) && !entry.derived) || entry.name === "ops.view-commands",
      );
    }
    expect(may(apiPrincipal, "WRITE", "ops.audit")).toBe(false);
    expect(catalog.some((e) => !services.includes(e.owner))).toBe(true);
  });

  it("lets the processors write only derived topics and their own internal ones", () => {
    for (const entry of catalog) {
      expect(may(processorsPrincipal, "WRITE", entry.name), entry.name).toBe(
        entry.derivedFrom !== undefined,
      );
    }
    expect(may(processorsPrincipal, "WRITE", "vobe-plays-per-track-counts-changelog")).toBe(true);
    expect(may(processorsPrincipal, "READ", "auth.credentials")).toBe(false);
  });

  it("lets the sinks read no restricted topic and write only their dead letters and the outcome of view commands", () => {
    for (const entry of catalog) {
      expect(may(sinksPrincipal, "READ", entry.name), entry.name).toBe(!entry.restricted);
      expect(may(sinksPrincipal, "WRITE", entry.name), entry.name).toBe(entry.name === "ops.audit");
    }
    expect(may(sinksPrincipal, "READ", "ops.view-commands")).toBe(true);
    expect(may(sinksPrincipal, "WRITE", "listening-dlq")).toBe(true);
  });

  it("lets Kafka Connect read what analysts may read, never a restricted topic, and own its worker's topics and groups", () => {
    for (const entry of catalog) {
      const analysts = entry.readers.includes("analysts") && !entry.restricted;
      expect(may(connectPrincipal, "READ", entry.name), entry.name).toBe(analysts);
      expect(may(connectPrincipal, "WRITE", entry.name), entry.name).toBe(false);
    }
    for (const kind of ["configs", "offsets", "status"]) {
      for (const op of ["CREATE", "READ", "WRITE", "DESCRIBE_CONFIGS"] as const) {
        expect(may(connectPrincipal, op, `analytics-connect-${kind}`), `${op} ${kind}`).toBe(true);
      }
    }
    const group = (name: string) =>
      rules.some(
        (r) =>
          r.principal === connectPrincipal &&
          r.resource === "group" &&
          r.operation === "ALL" &&
          name.startsWith(r.name),
      );
    // The worker's group, and the consumer groups Connect names `connect-<connector>`.
    expect(group("analytics-connect")).toBe(true);
    expect(group("connect-analytics-plays")).toBe(true);
    expect(group("vobe-plays-per-track")).toBe(false);
  });
});
