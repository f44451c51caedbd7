import { RejectedRecord } from "./types.ts";

/**
 * Whether a failed write is the record's fault (it goes to the dead-letter topic) or the
 * database's (retry the whole batch after a back-off). SQLSTATE class 22 (data exception)
 * and 23 (integrity constraint violation) come from the data; everything else, and
 * errors without a SQLSTATE (a refused or reset connection), is treated as transient.
 */
export function isRecordFault(error: unknown): boolean {
  if (error instanceof RejectedRecord) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^(22|23)[0-9A-Z]{3}$/.test(code);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

/** Exponential back-off with jitter, capped. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
