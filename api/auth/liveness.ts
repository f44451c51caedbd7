/**
 * Which accounts exist now, for token verification in every API process: a token is only
 * as good as the account it names. Follows auth.users itself (not the account snapshots,
 * which pass through a processor's commit interval): the erasure's UserErased is written by
 * the command's own transaction, so every instance sees it one fetch after it commits.
 *
 * Only keys and the event-type header are read (the record key is the user id), so no
 * record is decoded and no personal field is touched. Erasure is final: an erased id is
 * never live again.
 */
import { createFollower, type InRecord } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { unavailable } from "../http/errors.ts";
import { coalesced } from "../state/coalesce.ts";
import type { ViewSource } from "../state/topic-view.ts";

export interface AccountLiveness {
  /**
   * Registered and not erased. An id this process has not seen yet waits (bounded) until
   * it has read auth.users to its end: a login on another instance may be a moment ahead.
   */
  isLive(userId: string): Promise<boolean>;
  /** The instance that accepted an erasure refuses the account at once. */
  markErased(userId: string): void;
  close(): Promise<void>;
}

/** How long an unknown id waits for auth.users' end before the request answers 503. */
const unknownWaitMs = 3_000;
/**
 * A fetch waits at most this long for new records, so an erasure written by another
 * instance is seen within about this bound (a fetch returns as soon as records arrive).
 */
export const livenessFetchWaitMs = 200;

export function createAccountLiveness(source: ViewSource, types: EventTypes): AccountLiveness {
  const registered = types.UserRegistered.name;
  const erasedType = types.UserErased.name;
  const live = new Set<string>();
  const erased = new Set<string>();

  const apply = (record: InRecord) => {
    const userId = record.key?.toString();
    if (!userId || record.value === null) return;
    const type = record.headers.get(eventHeaders.eventType)?.toString();
    if (type === erasedType) {
      erased.add(userId);
      live.delete(userId);
    } else if (type === registered && !erased.has(userId)) {
      live.add(userId);
    }
  };

  const follower = createFollower({
    name: "account liveness",
    admin: source.admin,
    fetcher: () => source.fetcher("vobe-api-account-liveness"),
    topics: [types.UserRegistered.topic],
    from: "earliest",
    maxWaitMs: livenessFetchWaitMs,
    onBatch: ({ records }) => {
      for (const { record } of records) apply(record);
    },
    onError: (error) => {
      source.log?.warn({ err: error }, "account liveness fetch failed; retrying");
      return 500;
    },
  });
  const ends = coalesced(() => follower.ends());

  let started: Promise<void> | undefined;
  const start = () => {
    started ??= (async () => {
      await follower.open();
      const at = await ends();
      while (!follower.reached(at)) await follower.poll(100);
      follower.run();
    })().catch((error) => {
      started = undefined;
      throw error;
    });
    return started;
  };

  const behind = () =>
    unavailable("view_behind", "the accounts are not read to the end yet; retry");

  return {
    async isLive(userId) {
      if (erased.has(userId)) return false;
      try {
        await start();
        if (live.has(userId) || erased.has(userId)) return live.has(userId);
        if (!(await follower.catchUp(await ends(), unknownWaitMs))) throw behind();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 503) throw error;
        throw behind();
      }
      return live.has(userId);
    },
    markErased(userId) {
      erased.add(userId);
      live.delete(userId);
    },
    async close() {
      if (started) await started.catch(() => {});
      await follower.close();
    },
  };
}
