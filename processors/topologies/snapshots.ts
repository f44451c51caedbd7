/**
 * The latest state of each entity of an entity topic, as a compacted derived topic: the
 * entity table (common.ts) written out, a deleted entity as a tombstone. The write API's
 * checks read these instead of folding the entity topics from offset 0.
 */
import type { EventType } from "../../schemas/event-type.ts";
import { Serdes, type StreamsBuilder } from "../engine/index.ts";
import type { DecodedEvent } from "../serdes/avro.ts";
import { type DerivedEnvelope, entityTable, type TopologyOptions, toDerived } from "./common.ts";

/** `apply` folds one event into the row (null: the entity is gone); the row is the record. */
export function snapshots<R, T extends DerivedEnvelope>(
  builder: StreamsBuilder,
  serdes: TopologyOptions["serdes"],
  name: string,
  types: readonly EventType<unknown>[],
  apply: (row: R | null, event: DecodedEvent) => R | null,
  output: EventType<T>,
): void {
  const table = entityTable<R>(builder, {
    serdes,
    topic: types[0] as EventType<unknown>,
    types,
    name,
    apply,
  });
  toDerived<string, R, T>(
    table.toStream({ name: `${name}-changes` }),
    output,
    (_id, row) => row as unknown as Omit<T, keyof DerivedEnvelope>,
    `${name}-records`,
  ).to(serdes.topic(output), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(output),
    name: `${name}-sink`,
  });
}
