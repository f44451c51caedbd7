import { tracingChannel } from "node:diagnostics_channel";

/**
 * How many requests of each kind each client has put on an open connection, counted from
 * the client library's diagnostics channel at the moment a request is written to the socket.
 *
 * A failed send (or commit) says "nothing was written" only if none of its attempts reached
 * a broker. The client's error does not always tell: on a stale-metadata answer, or a lost
 * producer state, it starts the send over with a fresh error list, and the first round's
 * "Connection closed" (a request the broker may have appended) is gone from the error the
 * caller gets. Counting the requests on the wire does not depend on that list.
 */
export const apiKeys = { produce: 0, endTxn: 26 } as const;

const written = new Map<string, number>();
const slot = (owner: unknown, apiKey: unknown) => `${owner}/${apiKey}`;
let subscribed = false;

interface ApiRequestContext {
  apiKey?: unknown;
  connection?: { ownerId?: unknown; status?: unknown };
}

function subscribe() {
  if (subscribed) return;
  subscribed = true;
  tracingChannel("plt:kafka:connections:api").subscribe({
    start(message) {
      const { apiKey, connection } = message as ApiRequestContext;
      // A request on a connection that is not open is refused before it is written.
      if (connection?.status !== "connected") return;
      const key = slot(connection.ownerId, apiKey);
      written.set(key, (written.get(key) ?? 0) + 1);
    },
    end() {},
    asyncStart() {},
    asyncEnd() {},
    error() {},
  });
}

/**
 * A mark for one client (its instance id) and one kind of request; `since()` is true when
 * that client wrote such a request to a broker after the mark, for this caller or a
 * concurrent one (so it errs on the side of "may have been written").
 */
export function wireRequestsMark(clientInstanceId: number, apiKey: number): { since(): boolean } {
  subscribe();
  const key = slot(clientInstanceId, apiKey);
  const at = written.get(key) ?? 0;
  return { since: () => (written.get(key) ?? 0) > at };
}

/** Forgets a closed client's counts. */
export function forgetWireRequests(clientInstanceId: number) {
  for (const key of Object.values(apiKeys)) written.delete(slot(clientInstanceId, key));
}
