/**
 * Wake-ups for read-your-writes: one LISTEN connection per database hears the sinks
 * announce, at each commit, which view moved its positions (positionsChannel, sinks/contract.ts).
 * A waiting read re-reads the view's offsets when its view is named, instead of polling;
 * while the connection is down, waiting falls back to polling (positions.ts).
 */
import pg from "pg";
import { positionsChannel } from "../../sinks/contract.ts";

export interface PositionSignal {
  /** Whether notifications arrive now; when not, waiting must poll. */
  readonly listening: boolean;
  /** Grows whenever the view announces new positions. */
  version(): number;
  /** Resolves once version() > seen, or after `ms`. */
  changed(seen: number, ms: number): Promise<void>;
}

export interface PositionSignals {
  /** The signal of one view (its stable schema's name) in `database`. */
  of(database: string, view: string): PositionSignal;
  close(): Promise<void>;
}

const reconnectMs = 1_000;

export function createPositionSignals(urlOf: (database: string) => string): PositionSignals {
  const versions = new Map<string, number>();
  const wakers = new Map<string, Set<() => void>>();
  const connections = new Map<string, { listening: boolean; client?: pg.Client }>();
  let closed = false;

  const bump = (view: string) => {
    versions.set(view, (versions.get(view) ?? 0) + 1);
    const waiting = wakers.get(view);
    if (!waiting) return;
    wakers.delete(view);
    for (const wake of waiting) wake();
  };

  const connect = (database: string) => {
    const state = connections.get(database) ?? { listening: false };
    connections.set(database, state);
    const client = new pg.Client({ connectionString: urlOf(database) });
    state.client = client;
    const lost = () => {
      if (state.client !== client) return;
      state.listening = false;
      state.client = undefined;
      client.end().catch(() => {});
      if (!closed) setTimeout(() => !closed && connect(database), reconnectMs).unref();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (message) => {
      if (message.channel === positionsChannel && message.payload) bump(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`listen ${positionsChannel}`))
      .then(() => {
        if (state.client !== client) return;
        state.listening = true;
        // Anything committed while not listening was missed: wake every waiter once.
        for (const view of [...wakers.keys()]) bump(view);
      })
      .catch(lost);
  };

  return {
    of(database, view) {
      if (!connections.has(database) && !closed) connect(database);
      return {
        get listening() {
          return connections.get(database)?.listening === true;
        },
        version: () => versions.get(view) ?? 0,
        changed(seen, ms) {
          if ((versions.get(view) ?? 0) > seen) return Promise.resolve();
          return new Promise<void>((resolve) => {
            let waiting = wakers.get(view);
            if (!waiting) {
              waiting = new Set();
              wakers.set(view, waiting);
            }
            const wake = () => {
              clearTimeout(timer);
              waiting.delete(wake);
              if (waiting.size === 0 && wakers.get(view) === waiting) wakers.delete(view);
              resolve();
            };
            const timer = setTimeout(wake, ms);
            waiting.add(wake);
          });
        },
      };
    },
    async close() {
      closed = true;
      const clients = [...connections.values()].flatMap((c) => (c.client ? [c.client] : []));
      connections.clear();
      for (const waiting of wakers.values()) for (const wake of waiting) wake();
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    },
  };
}
