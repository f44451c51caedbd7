import { join } from "node:path";
import { mavenDistribution } from "../artifacts.ts";
import { stackConfig, stackPaths } from "../config.ts";
import { findJava } from "../host.ts";
import { spawnDetached } from "../process.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";

const NAME = "registry";
const { registry: port, kafka: kafkaPort } = stackConfig.ports;

/** The Confluent-compatible API that every Avro client in the project talks to. */
export const registryCcompatPath = "/apis/ccompat/v7";

let java = "";
let home = "";

/**
 * Apicurio Registry 3 with `kafkasql` storage: the registry's own state is a Kafka
 * topic, so schemas live in the log like everything else.
 */
export const registryService: NativeService = {
  name: NAME,
  ports: [port],
  dependsOn: ["kafka"],
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
      "apicurio.kafkasql.bootstrap.servers": `127.0.0.1:${kafkaPort}`,
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
