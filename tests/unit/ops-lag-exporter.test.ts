/**
 * The lag exporter samples in the background and a scrape only reads the last sample:
 * a sample that fails (Kafka out) is counted and keeps the last values, and the scrape
 * answers at once meanwhile (issue 12: no metrics request may hurt or stall a process).
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { startLagExporter } from "../../ops/lag/exporter.ts";

describe("the lag exporter", () => {
  it("keeps the last sample when one fails, counts the failure, and never holds a scrape", async () => {
    const registry = new Registry();
    let kafkaOut = false;
    let release: () => void = () => {};
    const exporter = startLagExporter({
      brokers: ["127.0.0.1:1"],
      clientId: "vobe-tests-lag",
      registry,
      metric: "sink",
      labelNames: ["view", "version"],
      intervalMs: 10,
      async consumers() {
        if (kafkaOut) {
          // A sample stuck on Kafka, then failing.
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          throw new Error("kafka is out");
        }
        return [
          {
            labels: { view: "feedback", version: "1" },
            partitions: [{ topic: "t", partition: 0, next: 5n, end: 5n, behind: 0n }],
          },
        ];
      },
    });
    try {
      await exporter.sampled();
      kafkaOut = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The sample hangs on "Kafka": the scrape still answers, with the last values.
      const during = await registry.metrics();
      expect(during).toContain('vobe_sink_lag_records{view="feedback",version="1"} 0');
      expect(during).toContain('vobe_sink_lag_seconds{view="feedback",version="1"} 0');
      const next = exporter.sampled();
      release();
      await next;
      const after = await registry.metrics();
      expect(after).toContain("vobe_sink_lag_sample_failures_total 1");
      expect(after).toContain('vobe_sink_lag_records{view="feedback",version="1"} 0');
    } finally {
      kafkaOut = false;
      release();
      await exporter.stop();
    }
  });
});
