import { describe, expect, it } from "vitest";
import { kafkaBrokerCount, kafkaNodes, replicationFor, stackConfig } from "../../stack/config.ts";
import { serverProperties } from "../../stack/services/kafka.ts";

const props = (text: string) =>
  new Map(
    text
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

describe("the native Kafka cluster's settings follow the broker count", () => {
  it("one broker: replication 1, min.insync.replicas 1 (anything more refuses every write)", () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    const p = props(serverProperties("/data"));
    expect(p.get("node.id")).toBe("1");
    expect(p.get("controller.quorum.voters")).toBe(
      `1@127.0.0.1:${stackConfig.ports.kafkaController}`,
    );
    for (const key of [
      "default.replication.factor",
      "offsets.topic.replication.factor",
      "transaction.state.log.replication.factor",
      "min.insync.replicas",
      "transaction.state.log.min.isr",
    ]) {
      expect(p.get(key), key).toBe("1");
    }
  });

  it("three brokers: each node 100 ports above the last, one quorum of three, RF 3, min ISR 2", () => {
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    const nodes = kafkaNodes(3);
    const { kafka, kafkaController } = stackConfig.ports;
    expect(nodes).toEqual([
      { id: 1, name: "kafka", port: kafka, controllerPort: kafkaController },
      { id: 2, name: "kafka-2", port: kafka + 100, controllerPort: kafkaController + 100 },
      { id: 3, name: "kafka-3", port: kafka + 200, controllerPort: kafkaController + 200 },
    ]);
    const node = nodes[1] as (typeof nodes)[number];
    const p = props(serverProperties("/data", { adminPassword: "x" }, { node, nodes }));
    expect(p.get("node.id")).toBe("2");
    expect(p.get("controller.quorum.voters")).toBe(
      nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(","),
    );
    expect(p.get("listeners")).toBe(
      `SASL_PLAINTEXT://127.0.0.1:${kafka + 100},CONTROLLER://127.0.0.1:${kafkaController + 100}`,
    );
    // Kafka's own topics too: consumer offsets, transaction state.
    for (const key of [
      "default.replication.factor",
      "offsets.topic.replication.factor",
      "transaction.state.log.replication.factor",
      "share.coordinator.state.topic.replication.factor",
    ]) {
      expect(p.get(key), key).toBe("3");
    }
    for (const key of [
      "min.insync.replicas",
      "transaction.state.log.min.isr",
      "share.coordinator.state.topic.min.isr",
    ]) {
      expect(p.get(key), key).toBe("2");
    }
  });

  it("VOBE_KAFKA_BROKERS is checked", () => {
    expect(kafkaBrokerCount({ VOBE_KAFKA_BROKERS: "3" })).toBe(3);
    expect(() => kafkaBrokerCount({ VOBE_KAFKA_BROKERS: "0" })).toThrow(/not a broker count/);
    expect(() => kafkaBrokerCount({ VOBE_KAFKA_BROKERS: "three" })).toThrow(/not a broker count/);
  });
});
