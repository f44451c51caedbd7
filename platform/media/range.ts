/**
 * One HTTP byte range (RFC 9110 §14) against an object of known size: what a media
 * player's seek sends. Several ranges in one request are answered with the whole object
 * (a server may ignore Range), so no multipart/byteranges answers are needed.
 */
import type { ByteRange } from "./store.ts";

export type RangeAnswer =
  | { kind: "whole" }
  | { kind: "partial"; range: ByteRange }
  | { kind: "unsatisfiable" };

const single = /^bytes=(\d*)-(\d*)$/;

export function resolveRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: "whole" };
  const match = single.exec(header.trim());
  // Not a single byte range (another unit, a list, garbage): ignored, as RFC 9110 allows.
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix: the last N bytes (all of them when N is larger than the object).
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  // "bytes=5-2" is not a valid range: the header is ignored.
  if (end < start) return { kind: "whole" };
  return { kind: "partial", range: { start, end } };
}
