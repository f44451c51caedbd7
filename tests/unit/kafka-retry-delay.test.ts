import { describe, expect, it } from "vitest";
import { retryDelayFor } from "../../platform/kafka/producer.ts";

describe("the producer's retry delay", () => {
  it("asks again after 20 ms when a transaction is refused as concurrent, else waits as usual", () => {
    const delay = retryDelayFor(1_000);
    const concurrent = { errors: [{ apiId: "CONCURRENT_TRANSACTIONS" }] };
    expect(delay(undefined, "addPartitionsToTransaction", 1, 3, concurrent)).toBe(20);
    expect(delay(undefined, "produce", 1, 3, { apiId: "NOT_LEADER_OR_FOLLOWER" })).toBe(1_000);
    expect(retryDelayFor(250)(undefined, "produce", 1, 3, new Error("timeout"))).toBe(250);
  });
});
