import { describe, expect, it } from "vitest";
import {
  BrokerUnavailableError,
  brokerErrorNames,
  isBrokerUnreachable,
  isRetriableRefusal,
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

describe("which client errors mean 'every broker said: not now'", () => {
  const refusal = (apiId: string, canRetry: boolean) =>
    Object.assign(new Error(apiId), { apiId, canRetry });
  // How the client reports InitProducerId refused on every attempt: one response error
  // per attempt, each holding the broker's error.
  const attempts = (apiId: string, canRetry: boolean) =>
    new AggregateError(
      Array.from({ length: 3 }, () => new AggregateError([refusal(apiId, canRetry)], "response")),
      "initProducerId failed 3 times.",
    );

  it("CONCURRENT_TRANSACTIONS on every attempt: refused, and the error says so and that nothing was written", () => {
    const error = attempts("CONCURRENT_TRANSACTIONS", true);
    expect(isRetriableRefusal(error)).toBe(true);
    const unavailable = new BrokerUnavailableError("no", {
      cause: error,
      during: "the start of a transaction",
      refused: true,
    });
    expect(unavailable.message).toBe(
      "Kafka refused the start of a transaction until the client gave up (CONCURRENT_TRANSACTIONS): nothing was written",
    );
  });

  it("an error that is not retriable, or a network failure, is not such a refusal", () => {
    expect(isRetriableRefusal(attempts("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false))).toBe(
      false,
    );
    expect(isRetriableRefusal(failure("Connection closed"))).toBe(false);
    expect(isRetriableRefusal(new Error("boom"))).toBe(false);
  });
});
