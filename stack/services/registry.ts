import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mavenDistribution } from "../artifacts.ts";
import { kafkaNodes, stackConfig, stackPaths } from "../config.ts";
import { findJava } from "../host.ts";
import { registryPrincipal } from "../kafka-acls.ts";
import { spawnDetached } from "../process.ts";
import { readStackSecrets } from "../secrets.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";

const NAME = "registry";
const { registry: port, kafka: kafkaPort } = stackConfig.ports;

/** The Confluent-compatible API that every Avro client in the project talks to. */
export const registryCcompatPath = "/apis/ccompat/v7";

let java = "";
let home = "";

/**
 * The registry's Kafka clients log in as the `registry` principal when the stack's broker
 * runs with SASL: their settings go in a properties file of their own (mode 0600, not on
 * the command line where `ps` shows it), which Quarkus reads through QUARKUS_CONFIG_LOCATIONS.
 */
function kafkaClientConfig(): NodeJS.ProcessEnv {
  const secrets = readStackSecrets();
  if (secrets?.kafkaSaslListener !== `127.0.0.1:${kafkaPort}`) return {};
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${registryPrincipal}" password="${secrets.kafka[registryPrincipal]}";`;
  const lines: string[] = [];
  // Apicurio passes every key under these prefixes to its producer, consumer and admin.
  for (const client of ["producer", "consumer", "admin"]) {
    lines.push(`apicurio.kafkasql.${client}.security.protocol=SASL_PLAINTEXT`);
    lines.push(`apicurio.kafkasql.${client}.sasl.mechanism=SCRAM-SHA-256`);
    lines.push(`apicurio.kafkasql.${client}.sasl.jaas.config=${jaas}`);
  }
  const file = join(stackPaths.conf(NAME), "kafka-client.properties");
  mkdirSync(stackPaths.conf(NAME), { recursive: true });
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { QUARKUS_CONFIG_LOCATIONS: file };
}

/**
 * Apicurio Registry 3 with `kafkasql` storage: the registry's own state is a Kafka
 * topic, so schemas live in the log like everything else.
 */
export const registryService: NativeService = {
  name: NAME,
  ports: [port],
  // Every broker: with three, node 1 alone answers nothing until the quorum has formed.
  get dependsOn() {
    return kafkaNodes().map((n) => n.name);
  },
  startupTimeoutMs: 120_000,
  stopSignal: "SIGTERM",
  endpoint: `http://127.0.0.1:${port}${registryCcompatPath}`,

  async prepare(log) {
    java = await findJava(versions.javaMajor);
    home = await mavenDistribution(
      `io.apicurio:apicurio-registry-app:${versions.apicurio}:tar.gz:all`,
      `apicurio-${versions.apicurio}`,
      log,
    );
  },

  async start() {
    const props: Record<string, string> = {
      "quarkus.http.host": "127.0.0.1",
      "quarkus.http.port": String(port),
      "apicurio.storage.kind": "kafkasql",
      "apicurio.kafkasql.bootstrap.servers": kafkaNodes()
        .map((n) => `127.0.0.1:${n.port}`)
        .join(","),
      "apicurio.kafkasql.topic": "_schemas_journal",
      "apicurio.kafkasql.snapshots.topic": "_schemas_snapshots",
      "apicurio.kafkasql.consumer.group-prefix": "vobe-registry-",
      // Analysts and producers may delete test subjects; production deployments turn this off.
      "apicurio.rest.deletion.artifact.enabled": "true",
      "apicurio.rest.deletion.artifact-version.enabled": "true",
      "apicurio.rest.deletion.group.enabled": "true",
    };
    spawnDetached({
      command: java,
      env: { ...process.env, ...kafkaClientConfig() },
      args: [
        "-Xms128m",
        `-Xmx${stackConfig.heap.registry}`,
        ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
        "-jar",
        // 3.0.x ships a legacy (single runner jar) Quarkus layout; 3.1+ needs Java 21.
        join(home, `apicurio-registry-app-${versions.apicurio}-runner.jar`),
      ],
      cwd: home,
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
  },

  async healthy() {
    // Ready, not just listening: with kafkasql storage the registry answers HTTP before it
    // has replayed its journal topic, and would call registered schemas unknown.
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { status?: string };
    return body.status === "UP";
  },
};
