import { GenericContainer, Network, Wait } from "testcontainers";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { versions } from "../../stack/versions.ts";

/**
 * The same services in containers, for a machine with a Docker engine
 * (VOBE_TEST_PROVIDER=testcontainers). Not exercised on machines without Docker,
 * which is where CI runs: the native stack serves there.
 */
export async function startContainers(): Promise<{
  endpoints: Endpoints;
  stop: () => Promise<void>;
}> {
  const network = await new Network().start();
  const kafka = await new GenericContainer(`apache/kafka:${versions.kafka}`)
    .withNetwork(network)
    .withNetworkAliases("kafka")
    .withExposedPorts({ container: 9092, host: 19092 })
    .withEnvironment({
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_LISTENERS: "PLAINTEXT://:9092,INTERNAL://:29092,CONTROLLER://:9093",
      KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://127.0.0.1:19092,INTERNAL://kafka:29092",
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP:
        "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
      KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer(`apicurio/apicurio-registry:${versions.apicurio}`)
    .withNetwork(network)
    .withExposedPorts(8080)
    .withEnvironment({
      APICURIO_STORAGE_KIND: "kafkasql",
      APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: "kafka:29092",
    })
    .withWaitStrategy(Wait.forHttp("/apis/ccompat/v7/subjects", 8080))
    .start();
  const postgres = await new GenericContainer(`postgres:${versions.postgresMajor}`)
    .withExposedPorts(5432)
    .withEnvironment({ POSTGRES_USER: "vobe", POSTGRES_PASSWORD: "vobe" })
    .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
    .start();
  const search = await new GenericContainer(`opensearchproject/opensearch:${versions.opensearch}`)
    .withExposedPorts(9200)
    .withEnvironment({ "discovery.type": "single-node", DISABLE_SECURITY_PLUGIN: "true" })
    .withWaitStrategy(Wait.forHttp("/", 9200))
    .start();
  const host = (c: { getHost(): string }) => c.getHost();
  return {
    endpoints: {
      kafkaBrokers: [`${host(kafka)}:19092`],
      schemaRegistryUrl: `http://${host(registry)}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      databaseUrl: `postgres://vobe:vobe@${host(postgres)}:${postgres.getMappedPort(5432)}/postgres`,
      searchUrl: `http://${host(search)}:${search.getMappedPort(9200)}`,
    },
    stop: async () => {
      for (const c of [search, postgres, registry, kafka]) await c.stop();
      await network.stop();
    },
  };
}
