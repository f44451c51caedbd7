import type { StateStore } from "../state/api.ts";
import type { RecordMetadata, StreamRecord, TaskId } from "./record.ts";

/**
 * The Processor API: the level below the DSL. A processor sees one record at a time,
 * forwards any number of records to its children, and may keep state in named stores.
 *
 *   class Dedupe implements Processor<string, Play, string, Play> {
 *     init(ctx) { this.ctx = ctx; this.seen = ctx.getStateStore<KeyValueStore<string, number>>("seen"); }
 *     process(r) { if (!this.seen.get(r.value.playId)) { this.seen.put(r.value.playId, r.timestamp); this.ctx.forward(r); } }
 *   }
 */
export interface Processor<KIn, VIn, KOut = KIn, VOut = VIn> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  close?(): void;
}

export type ProcessorSupplier<KIn, VIn, KOut = KIn, VOut = VIn> = () => Processor<
  KIn,
  VIn,
  KOut,
  VOut
>;

export type PunctuationType = "stream-time" | "wall-clock";

export interface Cancellable {
  cancel(): void;
}

export interface ProcessorContext<KOut, VOut> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** The input record currently being processed; undefined inside a punctuator. */
  recordMetadata(): RecordMetadata | undefined;
  /** Sends a record to every child, or to the named child only. */
  forward<K extends KOut, V extends VOut>(record: StreamRecord<K, V>, childName?: string): void;
  getStateStore<S extends StateStore>(name: string): S;
  /**
   * Calls `callback` every `intervalMs`: of stream time (advanced by record timestamps
   * of this task) or of wall-clock time (checked between records and on idle ticks).
   */
  schedule(
    intervalMs: number,
    type: PunctuationType,
    callback: (timestamp: number) => void,
  ): Cancellable;
  /** The highest record timestamp this task has seen (-1 before the first record). */
  currentStreamTime(): number;
  currentSystemTime(): number;
  /** Asks the runtime to commit as soon as possible (it still decides when). */
  requestCommit(): void;
}
