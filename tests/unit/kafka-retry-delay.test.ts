import { describe, expect, it } from "vitest";
import { retryDelayFor } from "../../platform/kafka/producer.ts";

describe("the producer's retry delay", () => {
  const concurrent = { errors: [{ apiId: "CONCURRENT_TRANSACTIONS" }] };

  it("asks again after 20 ms when a transaction is refused as concurrent, else waits as usual", () => {
    const delay = retryDelayFor(1_000);
    expect(delay(undefined, "addPartitionsToTransaction", 1, 3, concurrent)).toBe(20);
    expect(delay(undefined, "produce", 1, 3, { apiId: "NOT_LEADER_OR_FOLLOWER" })).toBe(1_000);
    expect(retryDelayFor(250)(undefined, "produce", 1, 3, new Error("timeout"))).toBe(250);
  });

  it("doubles the concurrent-transaction delay up to the usual one, so a bounded producer's retries last about as long as for any other error", () => {
    const delay = retryDelayFor(250);
    const delays = Array.from({ length: 21 }, (_, i) =>
      delay(undefined, "initProducerId", i + 1, 20, concurrent),
    );
    expect(delays.slice(0, 5)).toEqual([20, 40, 80, 160, 250]);
    expect(Math.max(...delays)).toBe(250);
    // A coordinator completing the last transaction after a broker failover takes seconds.
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(4_000);
  });
});
