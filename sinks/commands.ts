/**
 * The sinks process follows the console's view commands (ops/views/commands.ts,
 * docs/adr/029-operator-console.md) and runs them with the functions `vobe sinks` runs
 * (sinks/admin.ts), in the background, one at a time per view. Each command's outcome goes
 * to the audit trail, written by this process (the views' schemas are its own):
 * `started` when it begins, then `done`, `refused` (nothing changed: the message says why)
 * or `failed`.
 *
 * Once: before following, the trail is read; a command with any outcome there is never run
 * again, and one left at `started` (this process stopped during it) is closed as `failed`.
 * A command read twice while running (a fetch retried) is caught by the ids seen. A
 * command older than `maxAgeMs` when first seen is refused: a swap posted while the process
 * was down for a day should not happen by surprise.
 */
import { type AuditEntry, auditTopic, auditWriter } from "../ops/audit/audit.ts";
import {
  actionOf,
  type CommandOutcome,
  commandStates,
  type ViewCommand,
  viewCommandsTopic,
} from "../ops/views/commands.ts";
import type { Endpoints } from "../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createFollower,
  createProducer,
  type Follower,
} from "../platform/kafka/index.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import { type AdminPlacement, rebuildView, rollbackView, swapView } from "./admin.ts";

export interface CommandRunnerOptions {
  placement?: AdminPlacement;
  log: (line: string) => void;
  /** A command first seen later than this after it was posted is refused (default 10 min). */
  maxAgeMs?: number;
  /** How long a catch-up may take (the swap's "within a stated lag" bound; default 30 min). */
  timeoutMs?: number;
}

export interface CommandRunner {
  /** Resolves once every command taken so far has an outcome (tests). */
  idle(): Promise<void>;
  /** How many commands this runner ran (tests). */
  ran(): number;
  close(): Promise<void>;
}

export async function followViewCommands(
  endpoints: Endpoints,
  options: CommandRunnerOptions,
): Promise<CommandRunner> {
  const placement = options.placement ?? {};
  const prefix = placement.topicPrefix ?? "";
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-sinks-commands" });
  const producer = createProducer({
    brokers: endpoints.kafkaBrokers,
    clientId: "vobe-sinks-commands",
  });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const decode = (value: Buffer) => registry.decode(value);
  const topic = viewCommandsTopic(prefix);
  if (!(await admin.listTopics()).includes(topic)) {
    // A stack whose topics predate the control topic: the sinks still run, commands wait.
    options.log(`view commands: no topic ${topic} (vobe topics apply makes it); not followed`);
    await admin.close();
    await producer.close();
    return { idle: async () => {}, ran: () => 0, close: async () => {} };
  }
  const queues = new Map<string, Promise<void>>();
  // close() stops a catch-up in flight (its positions are kept): the process is stopping.
  const stopping = new AbortController();
  let ran = 0;

  const record = async (
    command: ViewCommand,
    outcome: CommandOutcome,
    message: string,
    details: Record<string, string> = {},
  ) => {
    const entry: AuditEntry = {
      action: actionOf(command.command),
      target: command.view,
      reason: command.reason,
      details: {
        commandId: command.commandId,
        outcome,
        message,
        ...(command.version !== null ? { version: String(command.version) } : {}),
        ...details,
      },
    };
    await auditWriter(endpoints, { topicPrefix: prefix, operator: command.operator })(
      producer,
      entry,
    );
    options.log(
      `view command ${command.commandId} (${command.command} ${command.view}): ${outcome}${message ? `: ${message}` : ""}`,
    );
  };

  const execute = async (command: ViewCommand) => {
    ran++;
    let changing = false;
    const admin = {
      placement,
      log: options.log,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      signal: stopping.signal,
      // Progress means a catch-up runs: from then on a failure is not a refusal.
      progress: () => {
        changing = true;
      },
    };
    await record(command, "started", "");
    try {
      if (command.command === "rebuild") {
        const built = await rebuildView(endpoints, command.view, { ...admin, swap: true });
        await record(command, "done", `v${built.version} is built and live`, {
          version: String(built.version),
        });
      } else if (command.command === "swap") {
        if (command.version === null) throw new Error("a swap names the version to make live");
        await swapView(endpoints, command.view, command.version, admin);
        await record(command, "done", `v${command.version} is live`);
      } else {
        const back = await rollbackView(endpoints, command.view, admin);
        await record(command, "done", `v${back} is live again`, { version: String(back) });
      }
    } catch (error) {
      const why = stopping.signal.aborted
        ? "the sinks process stopped while it ran (its positions are kept); post it again"
        : error instanceof Error
          ? error.message
          : String(error);
      await record(command, changing ? "failed" : "refused", why).catch((e: unknown) =>
        options.log(`view command ${command.commandId}: its outcome was not written: ${String(e)}`),
      );
    }
  };

  // What the trail already says: commands with an outcome are done; one left started is not.
  const fetcher = createFetcher({
    brokers: endpoints.kafkaBrokers,
    clientId: "vobe-sinks-commands",
  });
  const seen = new Set<string>();
  const interrupted: string[] = [];
  try {
    for (const [id, state] of await commandStates(admin, fetcher, auditTopic(prefix), decode)) {
      seen.add(id);
      if (state.outcome === "started") interrupted.push(id);
    }
  } finally {
    await fetcher.close();
  }

  const take = (command: ViewCommand) => {
    const interruptedBefore = interrupted.includes(command.commandId);
    if (seen.has(command.commandId) && !interruptedBefore) return;
    seen.add(command.commandId);
    const before = queues.get(command.view) ?? Promise.resolve();
    const next = before
      .then(async () => {
        if (interruptedBefore) {
          interrupted.splice(interrupted.indexOf(command.commandId), 1);
          await record(command, "failed", "the sinks process stopped while it ran; post it again");
        } else if (Date.now() - command.occurredAt.getTime() > maxAgeMs) {
          await record(
            command,
            "refused",
            `posted ${Math.round((Date.now() - command.occurredAt.getTime()) / 60_000)} min before the sinks process read it; post it again if it still holds`,
          );
        } else {
          await execute(command);
        }
      })
      .catch((error: unknown) =>
        options.log(`view command ${command.commandId}: ${String(error)}`),
      );
    queues.set(command.view, next);
  };

  const follower: Follower = createFollower({
    name: "view commands",
    admin,
    fetcher: () =>
      createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-sinks-commands" }),
    topics: [topic],
    from: "earliest",
    decode: { value: decode, wanted: () => true },
    onBatch: ({ records }) => {
      for (const r of records) {
        if (r.status !== "decoded") continue;
        take(r.value as ViewCommand);
      }
    },
    onError: (error, attempt) => {
      if (attempt === 0) options.log(`view commands: ${String(error)} (retrying)`);
      return 1_000;
    },
  });
  await follower.open();
  follower.run();
  return {
    idle: async () => {
      for (;;) {
        const pending = [...queues.values()];
        await Promise.all(pending);
        if (
          [...queues.values()].every((q, i) => q === pending[i]) &&
          queues.size === pending.length
        )
          return;
      }
    },
    ran: () => ran,
    close: async () => {
      stopping.abort();
      await follower.close();
      await Promise.all(queues.values());
      await producer.close();
      await admin.close();
    },
  };
}
