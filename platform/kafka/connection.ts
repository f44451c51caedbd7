import type { SASLOptions } from "@platformatic/kafka";
import { kafkaSaslFor } from "../config/kafka-credentials.ts";

/**
 * What every client of the platform adds to its options to reach `brokers`: SASL/SCRAM
 * when the environment or the native stack's secrets say so (platform/config/kafka-credentials.ts),
 * nothing (PLAINTEXT) otherwise. Read when a client is made, so a stack started after this
 * module was loaded is still found.
 */
export function connectionOptions(brokers: readonly string[]): { sasl?: SASLOptions } {
  const sasl = kafkaSaslFor(brokers);
  return sasl ? { sasl } : {};
}
