import { kListApis, type SASLOptions } from "@platformatic/kafka";
import { kafkaSaslFor } from "../config/kafka-credentials.ts";

/**
 * What every client of the platform adds to its options to reach `brokers`: SASL/SCRAM
 * when the environment or the native stack's secrets say so (platform/config/kafka-credentials.ts),
 * nothing (PLAINTEXT) otherwise. Read when a client is made, so a stack started after this
 * module was loaded is still found.
 */
export function connectionOptions(
  brokers: readonly string[],
  principal?: string,
): { sasl?: SASLOptions } {
  // A process acting for two identities (the gateway's operator console) names the second.
  const sasl = kafkaSaslFor(
    brokers,
    principal ? { ...process.env, KAFKA_SASL_PRINCIPAL: principal } : process.env,
  );
  return sasl ? { sasl } : {};
}

type ListedApis = Array<{ name: string; minVersion: number; maxVersion: number }>;
type ListApis = (callback: (error: Error | null, apis?: ListedApis) => void) => void;

/**
 * Versions the client must not use although the broker lists them. AddPartitionsToTxn
 * v4+ is the brokers' own batched form (KIP-890): the broker authorizes it as
 * CLUSTER_ACTION, so a producer that is not a super user gets "Cluster authorization
 * failed" on its first transactional send. @platformatic/kafka 2.12 picks the highest
 * listed version (v5); Java's clients send v3, and so do ours.
 */
const clientMaxVersions: Readonly<Record<string, number>> = { AddPartitionsToTxn: 3 };

/** Caps the API versions a client negotiates to the ones a client may use (see above). */
export function withClientApiVersions<T extends object>(client: T): T {
  const target = client as unknown as Record<symbol, ListApis>;
  const list = target[kListApis]?.bind(client);
  if (!list) return client;
  target[kListApis] = (callback) =>
    list((error, apis) => {
      if (error || !apis) {
        callback(error, apis);
        return;
      }
      callback(
        null,
        apis.map((api) => {
          const max = clientMaxVersions[api.name];
          return max === undefined ? api : { ...api, maxVersion: Math.min(api.maxVersion, max) };
        }),
      );
    });
  return client;
}
