import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { applyKafkaAccess } from "../access.ts";
import { mavenClasspath } from "../artifacts.ts";
import { stackConfig, stackPaths } from "../config.ts";
import { findJava } from "../host.ts";
import { kafkaPrincipals, superUser } from "../kafka-acls.ts";
import { run, spawnDetached } from "../process.ts";
import { ensureStackSecrets, markKafkaSasl, readStackSecrets } from "../secrets.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";
import { saslServerProperties } from "./kafka-security.ts";

const NAME = "kafka";
const { kafka: port, kafkaController: controllerPort } = stackConfig.ports;

/**
 * Single-node KRaft broker+controller, sized so transactions work with one replica. With
 * `access` (what `vobe stack up` runs), clients authenticate with SASL/SCRAM and ACLs
 * decide what each may do (stack/services/kafka-security.ts, docs/adr/020).
 */
export function serverProperties(dataDir: string, access?: { adminPassword: string }): string {
  const listeners = access
    ? saslServerProperties({ port, controllerPort, adminPassword: access.adminPassword })
    : `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
`;
  return `# Written by vobe stack; edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
${listeners}log.dirs=${dataDir}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Lets tests run consumers with short sessions, so a killed member is replaced in seconds.
group.min.session.timeout.ms=2000
# Topics are created as code (vobe topics), never by a typo in a consumer.
auto.create.topics.enable=false
# The system of record keeps everything unless a topic says otherwise.
log.retention.hours=-1
log.retention.bytes=-1
`;
}

const log4j2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.controller.name = kafka.controller
logger.controller.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/**
 * A cluster id as Kafka makes them (16 random bytes, base64url), and like Kafka's own
 * Uuid.randomUuid() never one that starts with "-": the storage tool would read it as an
 * option and refuse to format (1 start in 64 failed so).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

let classpath = "";
let java = "";

export const kafkaService: NativeService = {
  name: NAME,
  ports: [port, controllerPort],
  dependsOn: [],
  startupTimeoutMs: 90_000,
  stopSignal: "SIGTERM",
  endpoint: `127.0.0.1:${port}`,

  async prepare(log) {
    java = await findJava(versions.javaMajor);
    const dir = await mavenClasspath("kafka", { "kafka.version": versions.kafka }, log);
    classpath = `${join(dir, "libs")}/*`;
    const dataDir = stackPaths.data(NAME);
    const confDir = stackPaths.conf(NAME);
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(confDir, { recursive: true });
    const secrets = ensureStackSecrets({ kafka: kafkaPrincipals });
    // The file holds the super user's password: readable by this user only.
    writeFileSync(
      join(confDir, "server.properties"),
      serverProperties(dataDir, { adminPassword: secrets.kafka[superUser] as string }),
      { mode: 0o600 },
    );
    chmodSync(join(confDir, "server.properties"), 0o600);
    writeFileSync(join(confDir, "log4j2.properties"), log4j2);
    if (!existsSync(join(dataDir, "meta.properties"))) {
      log("formatting Kafka storage (KRaft)…");
      const clusterId = newClusterId();
      await run(java, [
        "-cp",
        classpath,
        `-Dlog4j2.configurationFile=${join(confDir, "log4j2.properties")}`,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        clusterId,
        "-c",
        join(confDir, "server.properties"),
      ]);
    }
  },

  async start() {
    const confDir = stackPaths.conf(NAME);
    spawnDetached({
      command: java,
      args: [
        `-Xms256m`,
        `-Xmx${stackConfig.heap.kafka}`,
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        `-Dlog4j2.configurationFile=${join(confDir, "log4j2.properties")}`,
        "-cp",
        classpath,
        "kafka.Kafka",
        join(confDir, "server.properties"),
      ],
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
    // From now on this stack's clients authenticate (platform/config/kafka-credentials.ts).
    markKafkaSasl(`127.0.0.1:${port}`);
  },

  // ApiVersions is answered before authentication, so this works with SASL too.
  healthy: () => answersApiVersions(port),

  async provision() {
    const secrets = readStackSecrets();
    // A broker started before access control (PLAINTEXT) is left alone until its restart.
    if (secrets?.kafkaSaslListener !== `127.0.0.1:${port}`) return;
    // The super user's PLAIN login is in the broker's config: it works before any SCRAM user exists.
    await applyKafkaAccess(`127.0.0.1:${port}`, {
      mechanism: "PLAIN",
      username: superUser,
      password: secrets.kafka[superUser] as string,
    });
  },
};

/**
 * A broker is up when it answers an ApiVersions request on its client port: a real
 * protocol exchange, cheaper than building a client.
 */
export function answersApiVersions(brokerPort: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host, port: brokerPort });
    const clientId = Buffer.from("vobe-health");
    // Request header v1: api_key=18 (ApiVersions), api_version=0, correlation_id=1, client_id.
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0);
    body.writeInt16BE(0, 2);
    body.writeInt32BE(1, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    let received = Buffer.alloc(0);
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write(Buffer.concat([size, body])));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 10) return;
      // Response: size, correlation_id, error_code (0 = none).
      done(received.readInt32BE(4) === 1 && received.readInt16BE(8) === 0);
    });
  });
}
