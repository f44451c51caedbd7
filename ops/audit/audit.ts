/**
 * The operators' audit trail: every action that changes the running platform is an
 * `OperatorActionTaken` event on `ops.audit`, with who took it and the reason they gave.
 * Written after the action succeeded (an action that failed changed nothing to record),
 * or inside the same Kafka transaction as the action when the action is itself a write
 * (a dead letter's replay).
 */
import { hostname, userInfo } from "node:os";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { kafkaSaslFor } from "../../platform/config/kafka-credentials.ts";
import { createProducer, type KafkaProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { OperatorActionTaken } from "../../schemas/generated/ops.ts";

export interface AuditEntry {
  action: string;
  target: string;
  reason: string;
  details?: Record<string, string>;
}

/** `user@host`, and the Kafka principal when the stack authenticates clients. */
export function operatorName(brokers: readonly string[]): string {
  const who = `${userInfo().username}@${hostname()}`;
  const sasl = kafkaSaslFor(brokers);
  return sasl ? `${who} (kafka:${sasl.username})` : who;
}

/** A reason is required: an audit trail of "why: (none)" helps nobody. */
export function requireReason(reason: string | undefined): string {
  const text = reason?.trim() ?? "";
  if (text.length < 3) {
    throw new Error('this changes the running platform: say why with --reason "…"');
  }
  return text;
}

export function auditTopic(prefix = ""): string {
  return `${prefix}${OperatorActionTaken.topic}`;
}

/** Encodes audit events into whatever sends them (a producer or one of its transactions). */
export function auditWriter(
  endpoints: Endpoints,
  options: {
    topicPrefix?: string;
    /** Who, when not this process's user (the console's signed-in operator). */
    operator?: string;
  } = {},
) {
  const type = { ...OperatorActionTaken, topic: auditTopic(options.topicPrefix) };
  const registry = registryApi(endpoints.schemaRegistryUrl);
  const operator = options.operator ?? operatorName(endpoints.kafkaBrokers);
  return (into: Pick<KafkaProducer, "send">, entry: AuditEntry) =>
    createEventProducer({ producer: into, registry }).publish(
      type,
      entry.target,
      {
        action: entry.action,
        target: entry.target,
        reason: entry.reason,
        operator,
        details: Object.entries(entry.details ?? {}).map(([name, value]) => ({ name, value })),
      },
      { actor: { userId: null, role: "operator" } },
    );
}

/** Records one action with a producer of its own. */
export async function recordAction(
  endpoints: Endpoints,
  entry: AuditEntry,
  options: { topicPrefix?: string } = {},
): Promise<void> {
  const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-audit" });
  try {
    await auditWriter(endpoints, options)(producer, entry);
  } finally {
    await producer.close();
  }
}
