/**
 * The console's commands to the sinks process (docs/adr/029-operator-console.md): rebuild,
 * swap or roll back a view. The gateway posts a `ViewCommandIssued` to `ops.view-commands`;
 * the sinks process runs it (sinks/commands.ts) and writes its outcome to `ops.audit` as
 * the CLI's own action (`sinks.rebuild|swap|rollback`) with the details `commandId` and
 * `outcome`. That trail is also how a command is run once: whatever has an outcome there
 * is never run again.
 */
import { randomUUID } from "node:crypto";
import type { Fetcher, KafkaAdmin, KafkaProducer } from "../../platform/kafka/index.ts";
import type { RegistryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { type OperatorActionTaken, ViewCommandIssued } from "../../schemas/generated/ops.ts";
import { readTopic, type StartAt } from "../topics/read.ts";

export type ViewCommandKind = "rebuild" | "swap" | "rollback";
export const viewCommandKinds: readonly ViewCommandKind[] = ["rebuild", "swap", "rollback"];

export interface ViewCommand {
  commandId: string;
  command: ViewCommandKind;
  view: string;
  version: number | null;
  reason: string;
  operator: string;
  occurredAt: Date;
}

/**
 * started: the sinks process took it (a rebuild's progress is on the Views page);
 * done: it worked; refused: nothing was changed, and the message says why;
 * failed: it stopped part-way (a catch-up that timed out, a process stopped during it).
 */
export type CommandOutcome = "started" | "done" | "refused" | "failed";

export interface CommandState {
  commandId: string;
  action: string;
  target: string;
  outcome: CommandOutcome;
  message: string;
  operator: string;
  reason: string;
  at: Date;
  details: Record<string, string>;
}

export const viewCommandsTopic = (prefix = "") => `${prefix}${ViewCommandIssued.topic}`;
export const actionOf = (kind: ViewCommandKind) => `sinks.${kind}`;

/** Writes one command; answers its id. Keyed by view: a view's commands stay in order. */
export async function postViewCommand(
  producer: Pick<KafkaProducer, "send">,
  registry: RegistryApi,
  command: Omit<ViewCommand, "commandId" | "occurredAt">,
  options: { topicPrefix?: string } = {},
): Promise<string> {
  const commandId = randomUUID();
  await createEventProducer({ producer, registry }).publish(
    { ...ViewCommandIssued, topic: viewCommandsTopic(options.topicPrefix) },
    command.view,
    { commandId, ...command },
    { actor: { userId: null, role: "operator" } },
  );
  return commandId;
}

const outcomes = new Set<string>(["started", "done", "refused", "failed"]);

/**
 * Every view command's latest state in the audit trail, by command id; from `from` on (one
 * command's status needs only the trail written since it was posted, not all of it).
 */
export async function commandStates(
  admin: KafkaAdmin,
  fetcher: Fetcher,
  auditTopic: string,
  decode: (value: Buffer) => Promise<unknown>,
  from: StartAt = { at: "earliest" },
): Promise<Map<string, CommandState>> {
  const found = new Map<string, CommandState>();
  if (!(await admin.listTopics()).includes(auditTopic)) return found;
  await readTopic(admin, fetcher, { topic: auditTopic, from, follow: false, decode }, (r) => {
    const v = r.value as Partial<OperatorActionTaken> | null;
    const details = Object.fromEntries((v?.details ?? []).map((d) => [d.name, d.value]));
    const commandId = details.commandId;
    const outcome = details.outcome;
    if (!v?.action || !commandId || !outcome || !outcomes.has(outcome)) return;
    const before = found.get(commandId);
    // A final outcome stands; "started" never replaces one (a target's events are in order,
    // but be safe against a trail read across partitions).
    if (before && before.outcome !== "started") return;
    found.set(commandId, {
      commandId,
      action: v.action,
      target: v.target ?? "",
      outcome: outcome as CommandOutcome,
      message: details.message ?? "",
      operator: v.operator ?? "",
      reason: v.reason ?? "",
      at: v.occurredAt ?? new Date(Number(r.record.timestamp)),
      details,
    });
  });
  return found;
}
