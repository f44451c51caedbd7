import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { applyKafkaAccess } from "../access.ts";
import { mavenClasspath } from "../artifacts.ts";
import {
  type KafkaNode,
  kafkaNodes,
  recordedKafkaBrokers,
  recordKafkaBrokers,
  replicationFor,
  stackConfig,
  stackPaths,
} from "../config.ts";
import { StackError } from "../errors.ts";
import { findJava } from "../host.ts";
import { kafkaPrincipals, superUser } from "../kafka-acls.ts";
import { run, spawnDetached } from "../process.ts";
import { ensureStackSecrets, markKafkaSasl, readStackSecrets } from "../secrets.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";
import { saslServerProperties } from "./kafka-security.ts";

/**
 * One KRaft node (broker and controller in one process) of a cluster of `nodes`: the
 * single node of the default stack, or one of three (`vobe start --brokers 3`,
 * docs/adr/034-broker-cluster.md). The replication settings of Kafka's own topics and the
 * defaults of every topic created without them follow the broker count (replicationFor).
 * With `access` (what `vobe stack up` runs), clients authenticate with SASL/SCRAM and ACLs
 * decide what each may do (stack/services/kafka-security.ts, docs/adr/020).
 */
export function serverProperties(
  dataDir: string,
  access?: { adminPassword: string },
  cluster: { node: KafkaNode; nodes: readonly KafkaNode[] } = singleNode(),
): string {
  const { node, nodes } = cluster;
  const { port, controllerPort } = node;
  const { replicationFactor: rf, minInsyncReplicas: minIsr } = replicationFor(nodes.length);
  const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(",");
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
node.id=${node.id}
controller.quorum.voters=${voters}
${listeners}log.dirs=${dataDir}
num.partitions=3
default.replication.factor=${rf}
min.insync.replicas=${minIsr}
offsets.topic.replication.factor=${rf}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${minIsr}
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

/** The default stack's one node, on the configured ports. */
function singleNode(): { node: KafkaNode; nodes: KafkaNode[] } {
  const nodes = kafkaNodes(1);
  return { node: nodes[0] as KafkaNode, nodes };
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

/**
 * The cluster's id, the same for every node (they are formatted with it): made once, kept
 * beside node 1's config. Synchronous, so nodes prepared side by side cannot make two.
 */
function clusterId(): string {
  const file = join(stackPaths.conf("kafka"), "cluster-id");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const id = newClusterId();
  mkdirSync(stackPaths.conf("kafka"), { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The native service of one node of the cluster `nodes` (kafkaNodes()). */
export function kafkaNodeService(node: KafkaNode, nodes: readonly KafkaNode[]): NativeService {
  const { name, port, controllerPort } = node;
  const first = node.id === 1;
  return {
    name,
    ports: [port, controllerPort],
    dependsOn: [],
    // Three JVMs starting at once on two shared cores take longer than one.
    startupTimeoutMs: nodes.length === 1 ? 90_000 : 240_000,
    stopSignal: "SIGTERM",
    endpoint: `127.0.0.1:${port}`,

    async prepare(log) {
      java = await findJava(versions.javaMajor);
      const dir = await mavenClasspath("kafka", { "kafka.version": versions.kafka }, log);
      classpath = `${join(dir, "libs")}/*`;
      const dataDir = stackPaths.data(name);
      const confDir = stackPaths.conf(name);
      // A storage formatted for another quorum would not join this one (KRaft voters are fixed).
      const formatted = existsSync(join(stackPaths.data("kafka"), "meta.properties"));
      const recorded = recordedKafkaBrokers() ?? 1;
      if (formatted && recorded !== nodes.length) {
        throw new StackError(
          `Kafka: this stack's storage was formatted for ${recorded} broker(s), not ${nodes.length}`,
          `keep VOBE_KAFKA_BROKERS=${recorded} (or no --brokers), or use another VOBE_STACK_HOME`,
        );
      }
      mkdirSync(dataDir, { recursive: true });
      mkdirSync(confDir, { recursive: true });
      const secrets = ensureStackSecrets({ kafka: kafkaPrincipals });
      // The file holds the super user's password: readable by this user only.
      writeFileSync(
        join(confDir, "server.properties"),
        serverProperties(
          dataDir,
          { adminPassword: secrets.kafka[superUser] as string },
          { node, nodes },
        ),
        { mode: 0o600 },
      );
      chmodSync(join(confDir, "server.properties"), 0o600);
      writeFileSync(join(confDir, "log4j2.properties"), log4j2);
      if (!existsSync(join(dataDir, "meta.properties"))) {
        log(`formatting Kafka storage (KRaft, node ${node.id} of ${nodes.length})…`);
        const id = clusterId();
        if (first) recordKafkaBrokers(nodes.length);
        await run(java, [
          "-cp",
          classpath,
          `-Dlog4j2.configurationFile=${join(confDir, "log4j2.properties")}`,
          "kafka.tools.StorageTool",
          "format",
          "-t",
          id,
          "-c",
          join(confDir, "server.properties"),
        ]);
      }
    },

    async start() {
      const confDir = stackPaths.conf(name);
      // One broker gets the default heap; each of a cluster's brokers a small one (2 cores, shared).
      const heap = nodes.length === 1 ? stackConfig.heap.kafka : stackConfig.heap.kafkaClusterNode;
      spawnDetached({
        command: java,
        args: [
          nodes.length === 1 ? "-Xms256m" : "-Xms128m",
          `-Xmx${heap}`,
          "-XX:+UseG1GC",
          "-Djava.awt.headless=true",
          `-Dlog4j2.configurationFile=${join(confDir, "log4j2.properties")}`,
          "-cp",
          classpath,
          "kafka.Kafka",
          join(confDir, "server.properties"),
        ],
        logFile: stackPaths.log(name),
        pidFile: stackPaths.pid(name),
      });
      // From now on this stack's clients authenticate (platform/config/kafka-credentials.ts).
      if (first) markKafkaSasl(`127.0.0.1:${port}`);
    },

    // ApiVersions is answered before authentication, so this works with SASL too.
    healthy: () => answersApiVersions(port),

    async provision() {
      // Users and ACLs are the cluster's metadata: applied once, through node 1.
      if (!first) return;
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
}

/** Every node of the cluster the stack runs now (one unless VOBE_KAFKA_BROKERS says more). */
export function kafkaServices(): NativeService[] {
  const nodes = kafkaNodes();
  return nodes.map((node) => kafkaNodeService(node, nodes));
}

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
