import { describe, expect, it } from "vitest";
import {
  brokerErrorNames,
  isBrokerUnreachable,
  mayHaveReachedBroker,
} from "../../platform/kafka/errors.ts";

const failure = (...messages: string[]) =>
  new AggregateError(
    messages.map((m) => new Error(m)),
    "Produce failed",
  );

describe("which client errors mean 'no broker answered'", () => {
  it("connection failures, a closed client and a closed pool: unreachable, nothing sent", () => {
    for (const message of [
      "Connection to 127.0.0.1:9092 failed.",
      "Cannot connect to any broker.",
      "Client is closed.",
      // A client replaced during an outage: its pool refuses before sending (was a 500).
      "Connection pool is closed.",
    ]) {
      expect(isBrokerUnreachable(failure(message)), message).toBe(true);
      expect(mayHaveReachedBroker(failure(message)), message).toBe(false);
    }
  });

  it("a connection closed under a request: unreachable, and it may have been written", () => {
    expect(isBrokerUnreachable(failure("Connection closed"))).toBe(true);
    expect(mayHaveReachedBroker(failure("Connection closed"))).toBe(true);
  });

  it("a broker that answered with an error is not unreachable", () => {
    const refused = Object.assign(new Error("Topic authorization failed."), {
      apiId: "TOPIC_AUTHORIZATION_FAILED",
      canRetry: false,
    });
    expect(isBrokerUnreachable(new AggregateError([refused], "x"))).toBe(false);
    expect(brokerErrorNames(new AggregateError([refused], "x"))).toEqual([
      "TOPIC_AUTHORIZATION_FAILED",
    ]);
    expect(isBrokerUnreachable(new Error("something else"))).toBe(false);
  });
});
