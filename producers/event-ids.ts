import { randomFillSync } from "node:crypto";

/** Random bytes drawn 4 KiB at a time: one system call for 256 event ids. */
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

/** The two ASCII hex digits of each byte value, as char codes. */
const hexPairs = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const pair = b.toString(16).padStart(2, "0");
  hexPairs[2 * b] = pair.charCodeAt(0);
  hexPairs[2 * b + 1] = pair.charCodeAt(1);
}

/** Where the four dashes of the 8-4-4-4-12 form sit; the hex pairs fill the rest. */
const dashAt = new Set([8, 13, 18, 23]);
const pairAt: number[] = [];
for (let at = 0; at < 36; at++) {
  if (dashAt.has(at)) continue;
  pairAt.push(at);
  at++;
}

/** The event ids of one batch: the strings, and the same ids as ASCII bytes for headers. */
export interface EventIds {
  ids: string[];
  /** Id i is bytes [36 i, 36 i + 36). */
  ascii: Buffer;
}

/**
 * `n` random (version 4) UUIDs at once. crypto.randomUUID builds each string by
 * concatenating 20 pieces, a rope that V8 flattens again the first time the Avro writer
 * reads it; here every id is written once as ASCII and read back as one flat string, and
 * the event-id header reuses those bytes instead of encoding the string a second time.
 */
export function eventIds(n: number): EventIds {
  const ascii = Buffer.allocUnsafe(36 * n);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    if (poolOffset + 16 > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const base = 36 * i;
    for (let j = 0; j < 16; j++) {
      let byte = pool[poolOffset + j] as number;
      // The version (4) and the RFC 4122 variant bits.
      if (j === 6) byte = (byte & 0x0f) | 0x40;
      else if (j === 8) byte = (byte & 0x3f) | 0x80;
      const at = base + (pairAt[j] as number);
      ascii[at] = hexPairs[2 * byte] as number;
      ascii[at + 1] = hexPairs[2 * byte + 1] as number;
    }
    ascii[base + 8] = 45;
    ascii[base + 13] = 45;
    ascii[base + 18] = 45;
    ascii[base + 23] = 45;
    poolOffset += 16;
    ids[i] = ascii.toString("latin1", base, base + 36);
  }
  return { ids, ascii };
}
