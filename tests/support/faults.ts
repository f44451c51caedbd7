/**
 * What the fault tests share: a reader of a whole topic on any broker (the private ones
 * included), and a steady stream of commands whose every answer is kept, so a test can
 * compare what the API said with what the log holds.
 *
 *   const load = commandStream({ workers: 3, send: (n) => app.inject(…) });
 *   … await load.stop(); load.outcomes  // [{ n, status, code, startedAt, ms }]
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AtomicWriter } from "../../api/events/atomic.ts";
import { ApiError } from "../../api/http/errors.ts";
import {
  BrokerUnavailableError,
  createAdmin,
  createFetcher,
  type InRecord,
  type IsolationLevel,
} from "../../platform/kafka/index.ts";

/** Every record of a topic from offset 0 to its end now, at the given isolation. */
export async function readWholeTopic(
  brokers: string[],
  topic: string,
  isolation: IsolationLevel = "read_committed",
): Promise<InRecord[]> {
  const admin = createAdmin({ brokers, clientId: "vobe-tests-faults" });
  const fetcher = createFetcher({ brokers, clientId: "vobe-tests-faults" });
  try {
    const ends = await admin.endOffsets(topic, isolation);
    const next = ends.map(() => 0n);
    const records: InRecord[] = [];
    while (next.some((offset, p) => offset < (ends[p] ?? 0n))) {
      const wanted = next
        .map((offset, partition) => ({ topic, partition, offset }))
        .filter((p) => p.offset < (ends[p.partition] ?? 0n));
      for (const part of await fetcher.fetch(wanted, { isolation, maxWaitMs: 50 })) {
        for (const r of part.records) if (r.offset < (ends[part.partition] ?? 0n)) records.push(r);
        next[part.partition] = part.nextOffset;
      }
    }
    return records;
  } finally {
    await fetcher.close();
    await admin.close();
  }
}

export interface Outcome {
  /** The command's number: the test puts it in the payload to find the event again. */
  n: number;
  status: number;
  /** The error code of a refusal (`{ error: { code } }`), undefined for a 202. */
  code: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked by the tests
  body: any;
  /** ms since the stream started. */
  startedAt: number;
  ms: number;
}

export interface CommandStream {
  readonly outcomes: Outcome[];
  /** ms since the stream started. */
  now(): number;
  /** Resolves once `count` more answers arrived that satisfy `check`. */
  until(check: (o: Outcome) => boolean, count?: number, timeoutMs?: number): Promise<Outcome[]>;
  stop(): Promise<void>;
}

/**
 * `workers` loops, each sending one command after the other (a pause of `pauseMs` between
 * them), until stop(). Each command gets the next number.
 */
export function commandStream(options: {
  workers: number;
  pauseMs?: number;
  send: (n: number) => Promise<{ statusCode: number; body: string }>;
}): CommandStream {
  const started = Date.now();
  const now = () => Date.now() - started;
  const outcomes: Outcome[] = [];
  let next = 0;
  let running = true;
  const listeners = new Set<(o: Outcome) => void>();
  const worker = async () => {
    while (running) {
      const n = next++;
      const startedAt = now();
      let status = 0;
      let body: unknown;
      try {
        const res = await options.send(n);
        status = res.statusCode;
        body = JSON.parse(res.body);
      } catch (error) {
        body = { thrown: String(error) };
      }
      const code = (body as { error?: { code?: string } })?.error?.code;
      const outcome = { n, status, code, body, startedAt, ms: now() - startedAt };
      outcomes.push(outcome);
      for (const listener of listeners) listener(outcome);
      await sleep(options.pauseMs ?? 20);
    }
  };
  const loops = Array.from({ length: options.workers }, worker);
  return {
    outcomes,
    now,
    until(check, count = 1, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const seen: Outcome[] = [];
        const from = outcomes.length;
        const timer = setTimeout(() => {
          listeners.delete(listener);
          // What came instead says where it hung: nothing at all, or refusals (and which).
          const since = outcomes.slice(from);
          const kinds = [...tally(since.map((o) => `${o.status} ${o.code ?? ""}`.trim()))];
          const last = since.at(-1);
          reject(
            new Error(
              `no ${count} matching answers in ${timeoutMs} ms (${seen.length} came); ` +
                `all answers meanwhile: ${JSON.stringify(kinds)}; ` +
                `the last: ${last ? JSON.stringify(last.body).slice(0, 400) : "none"}`,
            ),
          );
        }, timeoutMs);
        const listener = (o: Outcome) => {
          if (!check(o)) return;
          seen.push(o);
          if (seen.length < count) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(seen);
        };
        listeners.add(listener);
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * The API's transactional path under load: each command one record (`marker(n)`, keyed by
 * n) written to `topic` by the atomic writer plays and sign-ups use, answered as the API
 * would: 202 with its position, or 503 `log_unavailable` / `log_write_unknown`.
 */
export function transactionStream(options: {
  writer: AtomicWriter;
  topic: string;
  workers: number;
  marker: (n: number) => string;
}): CommandStream {
  const { writer, topic, marker } = options;
  return commandStream({
    workers: options.workers,
    send: async (n) => {
      try {
        const [at] = await writer.run(() =>
          writer.producer.send([
            { topic, key: Buffer.from(String(n)), value: Buffer.from(marker(n)) },
          ]),
        );
        const body = { partition: at?.partition, offset: String(at?.offset) };
        return { statusCode: 202, body: JSON.stringify(body) };
      } catch (error) {
        const code =
          error instanceof BrokerUnavailableError
            ? error.written === "no"
              ? "log_unavailable"
              : "log_write_unknown"
            : error instanceof ApiError
              ? error.code
              : "internal";
        const body = { error: { code, message: String(error) } };
        return { statusCode: code === "internal" ? 500 : 503, body: JSON.stringify(body) };
      }
    },
  });
}

/** Counts of each value. */
export function tally<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
