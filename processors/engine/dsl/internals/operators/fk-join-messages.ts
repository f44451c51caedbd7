import { createHash } from "node:crypto";
import type { Serde } from "../../../serde/api.ts";
import { nullSafe } from "../../../serde/serdes.ts";

/**
 * The messages of a foreign-key join (KIP-213) and their wire layouts. The left side
 * subscribes its key to a foreign key; the right side answers with its current value;
 * the hash of the left value that asked lets the left side ignore stale answers.
 */
export type Instruction =
  /** The left row is gone: forget it and answer, so the left emits a tombstone. */
  | "delete-and-propagate"
  /** The left row moved to another foreign key: forget it, say nothing. */
  | "delete-no-propagate"
  /** Answer even without a right value (left joins; inner joins retracting a row). */
  | "propagate-null-if-no-fk-value"
  /** Answer only if the right value exists (inner join, nothing to retract). */
  | "propagate-only-if-fk-value";

const INSTRUCTIONS: readonly Instruction[] = [
  "delete-and-propagate",
  "delete-no-propagate",
  "propagate-null-if-no-fk-value",
  "propagate-only-if-fk-value",
];

export interface Subscription {
  /** The left key, serialized with the left table's key serde. */
  leftKey: Buffer;
  /** Hash of the serialized left value that sent this; null for a deleted row. */
  hash: Buffer | null;
  instruction: Instruction;
}

export interface Response<VR> {
  hash: Buffer | null;
  rightValue: VR | null;
}

const HASH_BYTES = 16;

export function hashOf(bytes: Buffer | null): Buffer | null {
  if (bytes === null) return null;
  return createHash("sha256").update(bytes).digest().subarray(0, HASH_BYTES);
}

export function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** [instruction 1][hash flag 1][hash 16?][left key...] */
export function subscriptionSerde(): Serde<Subscription> {
  return nullSafe(
    (s) =>
      Buffer.concat([
        Buffer.of(INSTRUCTIONS.indexOf(s.instruction), s.hash ? 1 : 0),
        s.hash ?? Buffer.alloc(0),
        s.leftKey,
      ]),
    (bytes) => {
      const hasHash = bytes[1] === 1;
      const keyAt = hasHash ? 2 + HASH_BYTES : 2;
      return {
        instruction: INSTRUCTIONS[bytes[0] as number] as Instruction,
        hash: hasHash ? Buffer.from(bytes.subarray(2, keyAt)) : null,
        leftKey: Buffer.from(bytes.subarray(keyAt)),
      };
    },
  );
}

/** [hash flag 1][hash 16?][value flag 1][right value...] */
export function responseSerde<VR>(rightValueSerde: Serde<VR>): Serde<Response<VR>> {
  return nullSafe(
    (r) => {
      const value = r.rightValue === null ? null : rightValueSerde.serialize(r.rightValue, "");
      return Buffer.concat([
        Buffer.of(r.hash ? 1 : 0),
        r.hash ?? Buffer.alloc(0),
        Buffer.of(value === null ? 0 : 1),
        value ?? Buffer.alloc(0),
      ]);
    },
    (bytes) => {
      const hasHash = bytes[0] === 1;
      const flagAt = hasHash ? 1 + HASH_BYTES : 1;
      const hasValue = bytes[flagAt] === 1;
      return {
        hash: hasHash ? Buffer.from(bytes.subarray(1, flagAt)) : null,
        rightValue: hasValue ? rightValueSerde.deserialize(bytes.subarray(flagAt + 1), "") : null,
      };
    },
  );
}

/**
 * The right side's subscription store key: [fk length 4][fk][left key]. All of one
 * foreign key's subscribers share the prefix [length][fk], found with one prefix scan.
 */
export function subscriberKey(fk: Buffer, leftKey?: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(fk.length);
  return Buffer.concat([length, fk, leftKey ?? Buffer.alloc(0)]);
}
