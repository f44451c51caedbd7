import { AsyncLocalStorage } from "node:async_hooks";
import {
  BrokerUnavailableError,
  type KafkaProducer,
  type KafkaTransaction,
} from "../../platform/kafka/index.ts";
import { unavailable } from "../http/errors.ts";

/**
 * How long a command may wait for the transactions queued before it while the log is
 * failing. Each of them is bounded (the producer's delivery timeout), but without a broker
 * a queue of N commands would answer the last one after N of those bounds. While the log
 * works a command waits its turn: shedding then turned slow 202s into 503s under load
 * (one run of bench/soak: 455 of 4,870 play requests).
 */
export const maxQueueWaitMs = 5_000;

/**
 * All-or-none writes for commands that become several records (a batch of plays, a
 * sign-up's claims, an erasure with its tombstone): one Kafka transaction per command, so
 * read_committed readers (every view) see all of them or none.
 *
 *   const atomic = createAtomicWriter(createProducer({ …, transactionalId }));
 *   const events = createEventProducer({ producer: atomic.producer, registry });
 *   await atomic.run(async () => { await events.publishAll(batch); await atomic.producer.send([tombstone]); });
 *
 * A transactional producer runs one transaction at a time, so commands queue here; single
 * events go through the plain idempotent producer and never wait in this queue.
 */
export interface AtomicWriter {
  /** send() joins the transaction of the surrounding run(), or runs its own. */
  readonly producer: KafkaProducer;
  run<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createAtomicWriter(transactional: KafkaProducer): AtomicWriter {
  // Which transaction a send() belongs to follows the async call chain, so a queued
  // command never sends into another command's transaction.
  const current = new AsyncLocalStorage<KafkaTransaction>();
  let queue: Promise<unknown> = Promise.resolve();
  // The last transaction found no broker (and none has committed since).
  let failing = false;

  const run = <T>(work: () => Promise<T>): Promise<T> => {
    let started = false;
    let gaveUp = false;
    const next = queue.then(async () => {
      // Its caller has had its answer: nothing of it may be written any more.
      if (gaveUp) throw unavailable("log_unavailable", "gave up waiting");
      started = true;
      try {
        const tx = await transactional.transaction();
        try {
          const result = await current.run(tx, work);
          await tx.commit();
          failing = false;
          return result;
        } catch (error) {
          await tx.abort().catch(() => {});
          throw error;
        }
      } catch (error) {
        if (error instanceof BrokerUnavailableError) failing = true;
        throw error;
      }
    });
    queue = next.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<never>((_, reject) => {
      const check = () => {
        if (started) return;
        if (!failing) {
          timer = setTimeout(check, maxQueueWaitMs);
          return;
        }
        gaveUp = true;
        reject(
          unavailable(
            "log_unavailable",
            `Kafka is unreachable: the command waited ${maxQueueWaitMs} ms behind transactions that found no broker; nothing was written`,
          ),
        );
      };
      timer = setTimeout(check, maxQueueWaitMs);
    });
    return Promise.race([next, waited]).finally(() => clearTimeout(timer));
  };

  return {
    producer: {
      send: (records) => {
        const tx = current.getStore();
        return tx
          ? tx.send(records)
          : run(() => (current.getStore() as KafkaTransaction).send(records));
      },
      initTransactions: () => transactional.initTransactions(),
      transaction: () => transactional.transaction(),
      close: () => transactional.close(),
    },
    run,
    close: async () => {
      await queue;
      await transactional.close();
    },
  };
}
