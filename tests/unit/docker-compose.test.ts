import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { platformProcesses } from "../../cli/platform/processes.ts";
import { defaultPorts, stackConfig } from "../../stack/config.ts";
import { serverProperties } from "../../stack/services/kafka.ts";
import { redisArgs } from "../../stack/services/redis.ts";
import { versions } from "../../stack/versions.ts";

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

const root = stackConfig.projectRoot;
const compose = parse(readFileSync(resolve(root, "docker-compose.yml"), "utf8")) as {
  services: Record<string, ComposeService>;
};
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const hostPorts = (name: string) => (service(name).ports ?? []).map((p) => Number(p.split(":")[0]));

// docker-compose cannot run on machines without a Docker engine; this checks what can be
// checked: it parses, and it names the native stack's services, ports, versions and settings.
describe("docker-compose.yml matches the native stack", () => {
  it("has every service the design asks for", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        "elasticsearch",
        "grafana",
        "kafka",
        "ksqldb",
        "platform",
        "postgres",
        "prometheus",
        "redis",
        "registry",
      ].sort(),
    );
  });

  it("scrapes every platform process at its default port, with the rules and dashboards of observability/", () => {
    const config = parse(
      readFileSync(
        resolve(stackConfig.projectRoot, "observability/prometheus/compose.yml"),
        "utf8",
      ),
    ) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const scraped = config.scrape_configs.map(
      (c) => `${c.job_name} ${c.static_configs[0]?.targets[0]}`,
    );
    const defaults: Record<string, number> = {
      api: 8080,
      processors: 9464,
      sinks: 9465,
      guide: 9466,
    };
    for (const p of platformProcesses.filter((p) => p.metrics)) {
      expect(scraped).toContain(`${p.name} 127.0.0.1:${defaults[p.name]}`);
    }
    expect(service("prometheus").volumes).toContain(
      "./observability/prometheus/rules:/etc/prometheus/rules:ro",
    );
    expect(service("grafana").volumes).toContain(
      "./observability/grafana/dashboards:/var/lib/grafana/dashboards:ro",
    );
  });

  it("publishes the native stack's ports", () => {
    expect(hostPorts("kafka")).toEqual([defaultPorts.kafka]);
    expect(hostPorts("registry")).toEqual([defaultPorts.registry]);
    expect(hostPorts("postgres")).toEqual([defaultPorts.postgres]);
    expect(hostPorts("elasticsearch")).toEqual([defaultPorts.search]);
  });

  it("runs Redis as the native stack does, and points the platform at it", () => {
    expect(hostPorts("redis")).toEqual([defaultPorts.redis]);
    const command = (service("redis") as { command?: string[] }).command ?? [];
    const native = redisArgs(6379, "/data");
    for (const flag of ["--save", "--appendonly", "--maxmemory", "--maxmemory-policy"]) {
      expect(command[command.indexOf(flag) + 1], flag).toBe(native[native.indexOf(flag) + 1]);
    }
    expect(service("platform").environment?.VOBE_REDIS_URL).toBe("redis://redis:6379");
  });

  it("runs the same versions", () => {
    expect(service("kafka").image).toBe(`apache/kafka:${versions.kafka}`);
    expect(service("registry").image).toBe(`apicurio/apicurio-registry:${versions.apicurio}`);
    expect(service("postgres").image).toBe(`postgres:${versions.postgresMajor}`);
    expect(service("elasticsearch").image).toMatch(/elasticsearch:8\./);
  });

  it("configures Kafka as the native broker is configured", () => {
    const env = service("kafka").environment ?? {};
    // With access control, as `vobe stack up` runs it: SASL mechanisms, authorizer, super user.
    const native = serverProperties("/data", { adminPassword: "unused" })
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split("=") as [string, string])
      // Listeners and paths differ by design (container network, volumes).
      .filter(([key]) => !/listener|log\.dirs|quorum/.test(key));
    expect(native.length).toBeGreaterThan(10);
    expect(native.map(([key]) => key)).toContain("authorizer.class.name");
    for (const [key, value] of native) {
      expect(env[`KAFKA_${key.toUpperCase().replaceAll(".", "_")}`], key).toBe(value);
    }
  });

  it("creates one database per service, as the native stack does", () => {
    const init = readFileSync(resolve(root, "stack/docker/postgres-init.sql"), "utf8");
    const created = [...init.matchAll(/^create database (\w+);/gm)].map((m) => m[1]);
    expect(created).toEqual([...stackConfig.serviceDatabases]);
    expect(service("postgres").volumes?.some((v) => v.includes("postgres-init.sql"))).toBe(true);
  });

  it("authenticates every client of the broker and lets the platform apply the access rules", () => {
    const listeners = service("kafka").environment?.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? "";
    for (const mapping of listeners.split(",")) expect(mapping).toMatch(/:SASL_PLAINTEXT$/);
    const platform = service("platform").environment ?? {};
    expect(platform.VOBE_APPLY_ACCESS).toBe("1");
    expect(platform.KAFKA_SASL_USERNAME).toBe("admin");
    expect(service("registry").environment?.QUARKUS_CONFIG_LOCATIONS).toBeTruthy();
  });

  it("points the platform at the services through the endpoint variables", () => {
    const env = service("platform").environment ?? {};
    for (const name of ["KAFKA_BROKERS", "SCHEMA_REGISTRY_URL", "DATABASE_URL", "SEARCH_URL"]) {
      expect(env[name], name).toBeTruthy();
    }
    expect(env.SCHEMA_REGISTRY_URL).toMatch(/\/apis\/ccompat\/v7$/);
  });
});
