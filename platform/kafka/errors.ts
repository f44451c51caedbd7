/** The broker's error names (PRODUCER_FENCED, …) anywhere inside a client error. */
export function brokerErrorNames(error: unknown): string[] {
  const names: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown) => {
    if (!e || typeof e !== "object" || seen.has(e)) return;
    seen.add(e);
    const { apiId, errors, cause } = e as { apiId?: unknown; errors?: unknown; cause?: unknown };
    if (typeof apiId === "string") names.push(apiId);
    if (Array.isArray(errors)) for (const inner of errors) walk(inner);
    walk(cause);
  };
  walk(error);
  return names;
}

const fencing = new Set(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "FENCED_INSTANCE_ID"]);

/**
 * A newer instance owns this transactional id (or group instance): this one is a
 * zombie and must stop, not retry.
 */
export function isFenced(error: unknown): boolean {
  return brokerErrorNames(error).some((name) => fencing.has(name));
}

/**
 * The client's errors that say "no broker answered" (a refused or timed-out connection, a
 * connection closed under a request, a request without an answer), as opposed to a broker
 * that answered with an error code. Matched by message (the client has no finer code):
 * tests/integration/faults-kafka-stopped.test.ts fails if a client upgrade changes them.
 */
// "Connection pool is closed." comes from a client replaced while Kafka was away (the
// producer starts over with a new client after a refused transaction) whose pool refuses
// a request before sending it: seen as a 500 for a command during an outage.
const notSent =
  /^(Connection to .* (failed|timed out)\.|Connection closed while waiting for ready\.|Cannot connect to any broker\.|Client closed while retrying|Client is closed\.|Connection pool is closed\.)/;
const maybeSent = /^(Connection closed|Request timed out)$/;

function leaves(error: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown) => {
    if (!e || typeof e !== "object" || seen.has(e)) return;
    seen.add(e);
    const { errors } = e as { errors?: unknown };
    if (Array.isArray(errors) && errors.length > 0) for (const inner of errors) walk(inner);
    else out.push(e);
  };
  walk(error);
  return out;
}

const messageOf = (e: unknown) => String((e as { message?: unknown }).message ?? "");

const network = (e: unknown) => notSent.test(messageOf(e)) || maybeSent.test(messageOf(e));
/**
 * A broker's answer that the request was not applied and may be retried elsewhere or later
 * (NOT_COORDINATOR from a broker shutting down, COORDINATOR_LOAD_IN_PROGRESS from one
 * starting, NOT_LEADER_OR_FOLLOWER, …).
 */
const retriableRefusal = (e: unknown) => {
  const { apiId, canRetry } = e as { apiId?: unknown; canRetry?: unknown };
  return typeof apiId === "string" && canRetry === true;
};

/**
 * True when the failure is the broker being out of reach: connection failures, with at most
 * retriable refusals from a broker going away or coming back, and no other broker error.
 */
export function isBrokerUnreachable(error: unknown): boolean {
  const found = leaves(error);
  return found.some(network) && found.every((e) => network(e) || retriableRefusal(e));
}

/**
 * True when every attempt was refused with an error the broker marks retriable
 * (CONCURRENT_TRANSACTIONS while a coordinator completes the last transaction after a
 * failover, COORDINATOR_NOT_AVAILABLE, …): the request was never applied.
 */
export function isRetriableRefusal(error: unknown): boolean {
  const found = leaves(error);
  return found.length > 0 && found.every(retriableRefusal);
}

/**
 * Whether a request may have reached the broker before the connection failed: a connection
 * closed under it, or no answer in time. The broker may then have written it.
 */
export function mayHaveReachedBroker(error: unknown): boolean {
  return leaves(error).some((e) => maybeSent.test(messageOf(e)));
}

/**
 * A send given up because no broker answered within the producer's delivery timeout.
 * `written: "no"` — no attempt reached a broker (or only a transaction that is never
 * committed did): nothing of it is in the log for read_committed readers, a retry is safe.
 * `written: "unknown"` — an attempt may have reached the broker before its connection
 * closed: the records may be in the log.
 */
export class BrokerUnavailableError extends Error {
  constructor(
    readonly written: "no" | "unknown",
    /** `refused`: brokers answered, each time with an error that says "not now". */
    options: { cause: unknown; during: string; refused?: boolean },
  ) {
    super(
      options.refused
        ? `Kafka refused ${options.during} until the client gave up (${[...new Set(brokerErrorNames(options.cause))].join(", ")}): nothing was written`
        : written === "no"
          ? `Kafka is unreachable: ${options.during} did not reach a broker, nothing was written`
          : `Kafka stopped answering during ${options.during}: it may or may not have been written`,
      { cause: options.cause },
    );
    this.name = "BrokerUnavailableError";
  }
}
