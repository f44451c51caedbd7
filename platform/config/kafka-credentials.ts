import { stackConfig } from "../../stack/config.ts";
import { readStackSecrets } from "../../stack/secrets.ts";

export type SaslMechanism = "SCRAM-SHA-256" | "SCRAM-SHA-512" | "PLAIN";

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** Stack homes besides this process's own whose brokers a client may meet (a test's private stack). */
const extraHomes = new Set<string>();

/** Lets clients of this process find the credentials of another stack's broker (tests/support/private-stack.ts). */
export function addStackHome(home: string): void {
  extraHomes.add(home);
}

export function removeStackHome(home: string): void {
  extraHomes.delete(home);
}

/**
 * The homes addStackHome() added, for a worker thread to add in turn: a thread has its own
 * module state, and its clients would otherwise meet the private broker without SASL.
 */
export function extraStackHomes(): string[] {
  return [...extraHomes];
}

const mechanisms: readonly SaslMechanism[] = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"];

/** `localhost:9092` and `127.0.0.1:9092` are the same native broker. */
const loopback = (broker: string) => broker.trim().replace(/^localhost:/, "127.0.0.1:");

/**
 * How a client authenticates to `brokers`, in this order:
 *  1. KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (KAFKA_SASL_MECHANISM, default
 *     SCRAM-SHA-256): a cluster elsewhere, or a principal given explicitly;
 *  2. a native stack whose broker serves SASL at one of `brokers`: the password of
 *     KAFKA_SASL_PRINCIPAL (default `admin`, the super user of tools and tests) from that
 *     stack's secrets file (stack/secrets.ts);
 *  3. none: PLAINTEXT, as a broker without access control (or one started before it) expects.
 */
export function kafkaSaslFor(
  brokers: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): KafkaSasl | undefined {
  const mechanism = (env.KAFKA_SASL_MECHANISM ?? "SCRAM-SHA-256") as SaslMechanism;
  if (!mechanisms.includes(mechanism)) {
    throw new Error(`KAFKA_SASL_MECHANISM=${mechanism}: expected one of ${mechanisms.join(", ")}`);
  }
  if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new Error("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together");
    }
    return { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
  }
  const principal = env.KAFKA_SASL_PRINCIPAL || "admin";
  for (const home of [stackConfig.home, ...extraHomes]) {
    const secrets = readStackSecrets(home);
    if (!secrets?.kafkaSaslListener) continue;
    const listener = loopback(secrets.kafkaSaslListener);
    if (!brokers.some((b) => loopback(b) === listener)) continue;
    const password = secrets.kafka[principal];
    if (!password) {
      throw new Error(
        `KAFKA_SASL_PRINCIPAL=${principal}: the stack at ${home} has no such Kafka principal (${Object.keys(secrets.kafka).join(", ")})`,
      );
    }
    return { mechanism: "SCRAM-SHA-256", username: principal, password };
  }
  return undefined;
}
