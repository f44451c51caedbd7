import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mavenClasspath, mavenDistribution } from "../artifacts.ts";
import { stackPaths } from "../config.ts";
import { findJava } from "../host.ts";
import { spawnDetached } from "../process.ts";
import type { NativeService } from "../service.ts";
import { writeServiceManifestJar } from "../service-manifest-jar.ts";
import { versions } from "../versions.ts";

/**
 * A Kafka Connect worker in distributed mode (docs/adr/035-kafka-connect.md): Apache Kafka's
 * connect-runtime from Maven Central, with Debezium's JDBC sink and Apicurio's Avro
 * converter as plugins. Not part of the default stack: `vobe connect up` starts it.
 */
export interface ConnectWorkerOptions {
  /** The service's name: its pid, log and conf paths (`connect`; a test's own worker another). */
  name: string;
  restPort: number;
  /** The worker group; its storage topics are `<groupId>-configs|offsets|status`. */
  groupId: string;
  kafkaBrokers: readonly string[];
  /** The registry's Confluent-compatible URL (…/apis/ccompat/v7); the converter uses its v2 API. */
  schemaRegistryUrl: string;
  /** SCRAM-SHA-256 login of the worker and every client it makes; none on a PLAINTEXT broker. */
  sasl?: { username: string; password: string };
  /** Files the connectors read secrets from (`${file:<path>:<key>}`), written mode 0600. */
  secretFiles?: Record<string, Record<string, string>>;
}

/** The Connect REST port of the native stack (VOBE_CONNECT_PORT, default 8083). */
export function connectRestPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VOBE_CONNECT_PORT;
  if (raw === undefined || raw === "") return 8083;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`VOBE_CONNECT_PORT=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

/** Apicurio's own REST API beside its Confluent-compatible one: the 2.x converter speaks v2. */
export function apicurioV2Url(schemaRegistryUrl: string): string {
  return schemaRegistryUrl.replace(/\/apis\/ccompat\/v\d+\/?$/, "/apis/registry/v2");
}

/** Two sink tasks and a converter cache: a small heap (the broker has 1g). */
const heap = "512m";

const debezium = { version: "3.3.1.Final", folder: "debezium-jdbc-3.3.1.Final" };

/** What the worker's properties file says; pure, so a unit test reads it. */
export function workerProperties(
  options: ConnectWorkerOptions,
  pluginPath: readonly string[],
): string {
  const lines: string[] = [
    "# Written by vobe connect up; edits are overwritten on the next start.",
    `bootstrap.servers=${options.kafkaBrokers.join(",")}`,
    `group.id=${options.groupId}`,
    `config.storage.topic=${options.groupId}-configs`,
    `offset.storage.topic=${options.groupId}-offsets`,
    `status.storage.topic=${options.groupId}-status`,
    // -1: the broker's default replication, so a cluster of three replicates them three times.
    "config.storage.replication.factor=-1",
    "offset.storage.replication.factor=-1",
    "status.storage.replication.factor=-1",
    // Sinks keep their positions in consumer groups; these hold source offsets only.
    "offset.storage.partitions=3",
    "status.storage.partitions=1",
    // The sinks flush and commit their positions every 2 s: a crash copies at most that
    // much again (upserts absorb it), and rows of a quiet topic wait no longer than that.
    "offset.flush.interval.ms=2000",
    `listeners=http://127.0.0.1:${options.restPort}`,
    "rest.advertised.host.name=127.0.0.1",
    `rest.advertised.port=${options.restPort}`,
    `plugin.path=${pluginPath.join(",")}`,
    // Plugins found by their ServiceLoader manifests, not by scanning every class of every
    // jar (43 s of a 73 s start); the Apicurio plugin gets the manifest it lacks (prepare).
    "plugin.discovery=service_load",
    // Keys are UTF-8 text (the catalog's keys); values Avro in the Confluent wire format.
    "key.converter=org.apache.kafka.connect.storage.StringConverter",
    "value.converter=io.apicurio.registry.utils.converter.AvroConverter",
    `value.converter.apicurio.registry.url=${apicurioV2Url(options.schemaRegistryUrl)}`,
    // A magic byte and a 4-byte id, which the Confluent-compatible API hands out as the
    // content id (Apicurio 3 ccompat, not in legacy id mode): looked up as a content id.
    "value.converter.apicurio.registry.id-handler=io.apicurio.registry.serde.Legacy4ByteIdHandler",
    "value.converter.apicurio.registry.use-id=contentId",
    "value.converter.apicurio.registry.headers.enabled=false",
    // The log is written in transactions (processors, API): never copy an aborted record.
    "consumer.isolation.level=read_committed",
    "config.providers=file",
    "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
  ];
  if (options.sasl) {
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${options.sasl.username}" password="${options.sasl.password}";`;
    // The worker's own clients, and the producers, consumers and admins it makes for tasks.
    for (const prefix of ["", "producer.", "consumer.", "admin."]) {
      lines.push(`${prefix}security.protocol=SASL_PLAINTEXT`);
      lines.push(`${prefix}sasl.mechanism=SCRAM-SHA-256`);
      lines.push(`${prefix}sasl.jaas.config=${jaas}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const log4j2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.worker.name = org.apache.kafka.connect.runtime
logger.worker.level = INFO
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.hibernate.name = org.hibernate
logger.hibernate.level = WARN
`;

/** Where a worker's files live: under the stack's conf, logs and run folders. */
export function connectPaths(name: string) {
  return {
    conf: stackPaths.conf(name),
    properties: join(stackPaths.conf(name), "worker.properties"),
    secret: (file: string) => join(stackPaths.conf(name), `${file}.properties`),
    log: stackPaths.log(name),
    pid: stackPaths.pid(name),
  };
}

export function connectWorker(options: ConnectWorkerOptions): NativeService {
  let java = "";
  let classpath = "";
  const paths = connectPaths(options.name);
  return {
    name: options.name,
    ports: [options.restPort],
    dependsOn: ["kafka", "registry", "postgres"],
    // A JVM with a few hundred jars to scan for plugins, on two shared cores.
    startupTimeoutMs: 180_000,
    stopSignal: "SIGTERM",
    endpoint: `http://127.0.0.1:${options.restPort}`,

    async prepare(log) {
      java = await findJava(versions.javaMajor);
      const runtime = await mavenClasspath("connect", { "kafka.version": versions.kafka }, log);
      classpath = `${join(runtime, "libs")}/*`;
      // Each plugin in a folder of its own under a plugin.path entry: its own class loader.
      const apicurio = await mavenClasspath("connect-apicurio", {}, log);
      writeServiceManifestJar(join(apicurio, "libs", "vobe-service-manifests.jar"), {
        "org.apache.kafka.connect.storage.Converter": [
          "io.apicurio.registry.utils.converter.AvroConverter",
        ],
      });
      const jdbc = await mavenDistribution(
        `io.debezium:debezium-connector-jdbc:${debezium.version}:tar.gz:plugin`,
        debezium.folder,
        log,
      );
      mkdirSync(paths.conf, { recursive: true });
      // The file holds the worker's password: readable by this user only.
      writeFileSync(paths.properties, workerProperties(options, [resolve(jdbc), apicurio]), {
        mode: 0o600,
      });
      chmodSync(paths.properties, 0o600);
      for (const [file, values] of Object.entries(options.secretFiles ?? {})) {
        const body = Object.entries(values)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n");
        writeFileSync(paths.secret(file), `${body}\n`, { mode: 0o600 });
        chmodSync(paths.secret(file), 0o600);
      }
      writeFileSync(join(paths.conf, "log4j2.properties"), log4j2);
    },

    async start() {
      spawnDetached({
        command: java,
        args: [
          "-Xms128m",
          `-Xmx${heap}`,
          // One small heap on two shared cores: the serial collector costs least.
          "-XX:+UseSerialGC",
          // The client compiler only: a start costs a third less CPU, and a sink that waits
          // on Postgres never needs the peak speed of the optimizing compiler.
          "-XX:TieredStopAtLevel=1",
          "-Djava.awt.headless=true",
          `-Dlog4j2.configurationFile=${join(paths.conf, "log4j2.properties")}`,
          "-cp",
          classpath,
          "org.apache.kafka.connect.cli.ConnectDistributed",
          paths.properties,
        ],
        logFile: paths.log,
        pidFile: paths.pid,
      });
    },

    async healthy() {
      // /health answers 200 once the worker has joined its group and read its configs
      // (KIP-1017): before that, connector requests would fail.
      const response = await fetch(`http://127.0.0.1:${options.restPort}/health`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.ok;
    },
  };
}
