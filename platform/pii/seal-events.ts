/**
 * Seals the personal fields of pending events before they are written, for writers that
 * produce many accounts' events at once (the demo loader). The auth API seals its own
 * commands' events field by field (api/auth/commands.ts).
 */
import type { Envelope, PendingEvent } from "../../producers/index.ts";
import type { KeyStore } from "./key-store.ts";
import { personalFields } from "./personal-fields.ts";
import { sealFields } from "./seal.ts";

const fieldsOf = (typeName: string): readonly string[] | undefined =>
  (personalFields as Record<string, readonly string[]>)[typeName.split(".").pop() ?? ""];

export async function sealEvents(
  keys: KeyStore,
  events: ReadonlyArray<PendingEvent<Envelope>>,
): Promise<Array<PendingEvent<Envelope>>> {
  const userIds = new Set<string>();
  for (const e of events) {
    if (fieldsOf(e.type.name)) userIds.add((e.payload as { userId: string }).userId);
  }
  if (userIds.size === 0) return [...events];
  const userKeys = await keys.createMany([...userIds]);
  return events.map((e) => {
    const fields = fieldsOf(e.type.name);
    if (!fields) return e;
    const { userId } = e.payload as { userId: string };
    const key = userKeys.get(userId);
    if (!key) throw new Error(`no data key for user ${userId}`);
    return { ...e, payload: sealFields(key, userId, e.payload, fields) };
  });
}
