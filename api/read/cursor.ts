/**
 * Keyset cursors: opaque to clients, base64url of `{ l, k, id }`: the list it belongs to,
 * the last item's sort key and its id (the tie-breaker). The next page is everything
 * strictly after (key, id) in the list's order, so rows arriving meanwhile before the
 * cursor never shift a page (no duplicates, no gaps), unlike an offset.
 */
import { badRequest } from "../http/errors.ts";
import { isUuid } from "../http/schemas.ts";

export type SortKey = string | number;

/** What a list sorts by: a timestamp (Postgres' JSON text of it, microseconds kept), text, a number. */
export type KeyKind = "timestamp" | "text" | "number";

const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:\d{2})?)$/;

const validKey: Record<KeyKind, (key: unknown) => boolean> = {
  timestamp: (key) => typeof key === "string" && timestamp.test(key),
  text: (key) => typeof key === "string" && key.length <= 1000,
  number: (key) => typeof key === "number" && Number.isFinite(key),
};

export interface Cursor {
  key: SortKey;
  id: string;
}

export function encodeCursor(list: string, key: SortKey, id: string): string {
  return Buffer.from(JSON.stringify({ l: list, k: key, id }), "utf8").toString("base64url");
}

const invalid = (message: string) =>
  badRequest("invalid_cursor", message, [
    { path: "query.cursor", message: "use the nextCursor of a previous page of this list" },
  ]);

/** The cursor of `list`, or undefined without one; 400 invalid_cursor when it is not ours. */
export function decodeCursor(
  list: string,
  kind: KeyKind,
  cursor: string | undefined,
): Cursor | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("the cursor is not one this API made");
  }
  const c = parsed as { l?: unknown; k?: unknown; id?: unknown };
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !validKey[kind](c.k) ||
    typeof c.id !== "string" ||
    !isUuid(c.id)
  ) {
    throw invalid("the cursor is not one this API made");
  }
  if (c.l !== list) throw invalid(`the cursor belongs to another list, not ${list}`);
  return { key: c.k as SortKey, id: c.id };
}

export const defaultLimit = 20;

/** `limit` (validated by the route schema as 1..100) or the default. */
export const limitOf = (limit: string | undefined): number =>
  limit === undefined ? defaultLimit : Number(limit);

/**
 * A page from `limit + 1` rows: the first `limit` rows, and a cursor after the last one
 * when there was one more.
 */
export function page<R, T>(
  list: string,
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => { key: SortKey; id: string },
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  const more = rows.length > limit && last !== undefined;
  let nextCursor: string | null = null;
  if (more) {
    const { key, id } = keyOf(last);
    nextCursor = encodeCursor(list, key, id);
  }
  return { items: shown.map(map), nextCursor };
}
