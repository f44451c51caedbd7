import type { RecordMetadata } from "../processor/record.ts";

export type ErrorStage = "deserialize" | "process" | "produce";

/** A record failed at one stage; the runtime's handler for that stage decides what happens. */
export class RecordError extends Error {
  constructor(
    readonly stage: ErrorStage,
    readonly origin: RecordMetadata | undefined,
    readonly node: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = origin ? ` (${origin.topic}/${origin.partition}@${origin.offset})` : "";
    super(`${stage} failed in ${node}${where}: ${reason}`, { cause });
    this.name = "RecordError";
  }
}
