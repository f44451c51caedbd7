// Shared contract for the client benchmark: each adapter (kafkajs.ts, platformatic.ts) implements
// ClientAdapter against the raw client, and compare.ts runs the same scenarios through both.
import { Socket } from "node:net";

export interface Workload {
  bootstrap: string;
  /** Unique per run and client, so concurrent or failed runs never share topics or groups. */
  prefix: string;
  messages: number;
  valueBytes: number;
  keys: number;
  partitions: number;
  batchSize: number;
  /** Send calls kept outstanding; the clients serialise idempotent produce requests per broker anyway. */
  inFlight: number;
  /** Records moved by the consume-transform-produce transaction. */
  txMessages: number;
  /** Records written and then aborted. */
  abortedMessages: number;
}

export interface ProduceResult {
  records: number;
  bytes: number;
  seconds: number;
}

export interface ConsumeResult {
  records: number;
  /** From subscribe/consume call to the last of N records, group join included. */
  seconds: number;
  /** From subscribe/consume call to the first record: mostly group join and first fetch. */
  firstRecordMs: number;
}

export interface TransactionResult {
  /** A read_committed consumer saw every transformed record of the committed transaction. */
  outputsVisible: boolean;
  /** The group's committed offsets on the input topic equal the end of what was consumed. */
  offsetsAdvanced: boolean;
  /** A read_committed consumer saw none of the aborted records... */
  abortedInvisible: boolean;
  /** ...while a read_uncommitted consumer did, so the abort check is not vacuous. */
  abortedWrittenUncommitted: boolean;
  detail: string;
}

export interface FencingResult {
  fenced: boolean;
  /** Which call of the first (zombie) producer failed. */
  failedAt: string;
  error: string;
  /** Anything needed to get the successor going, e.g. a client workaround. */
  note?: string;
}

export interface Kip447Finding {
  /** Short verdict for the table, about generation id / member id / group instance id. */
  summary: string;
  clientMaxVersion: number;
  negotiatedVersion: number;
  evidence: string[];
}

export interface ApiRange {
  min: number;
  max: number;
}

/** Broker ApiVersions, keyed by api key. */
export type BrokerApis = Map<number, ApiRange>;

export interface ClientAdapter {
  readonly name: string;
  readonly version: string;
  setup(w: Workload): Promise<void>;
  produce(w: Workload): Promise<ProduceResult>;
  consume(w: Workload): Promise<ConsumeResult>;
  transaction(w: Workload): Promise<TransactionResult>;
  fencing(w: Workload): Promise<FencingResult>;
  /** Static reading of the installed client source; no broker traffic. */
  kip447(brokerApis: BrokerApis): Promise<Kip447Finding>;
  /** Protocol incompatibilities with this broker found in the client source, if any. */
  protocolGaps(brokerApis: BrokerApis): Promise<string[]>;
  teardown(w: Workload): Promise<void>;
}

export const TXN_OFFSET_COMMIT_KEY = 28;
/** KIP-447 added generation_id, member_id and group_instance_id to TxnOffsetCommit in v3. */
export const KIP447_MIN_TXN_OFFSET_COMMIT = 3;

export function topicNames(w: Workload) {
  return {
    perf: `${w.prefix}.perf`,
    txIn: `${w.prefix}.tx-in`,
    txOut: `${w.prefix}.tx-out`,
    fence: `${w.prefix}.fence`,
  };
}

export function keyFor(i: number, w: Workload): string {
  return `key-${i % w.keys}`;
}

/** One shared 200-byte value: the benchmark measures the client, not payload generation. */
export function makeValue(w: Workload): Buffer {
  const value = Buffer.alloc(w.valueBytes);
  for (let i = 0; i < value.length; i++) value[i] = 97 + (i % 26);
  return value;
}

export const SENTINEL = "sentinel";
export const ABORTED_PREFIX = "aborted-";
export const TRANSFORMED_PREFIX = "out-";

/** Tallies what a verifying consumer saw on the transaction output topic. */
export interface OutputTally {
  transformed: number;
  aborted: number;
  sentinelPartitions: Set<number>;
}

export function newTally(): OutputTally {
  return { transformed: 0, aborted: 0, sentinelPartitions: new Set() };
}

export function tallyRecord(t: OutputTally, partition: number, value: string): void {
  if (value === SENTINEL) t.sentinelPartitions.add(partition);
  else if (value.startsWith(ABORTED_PREFIX)) t.aborted++;
  else if (value.startsWith(TRANSFORMED_PREFIX)) t.transformed++;
}

/** Keeps up to `concurrency` calls outstanding, in order of `items`. */
export async function runPool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Path relative to the project root, for evidence lines in the report. */
export function rel(path: string): string {
  return path.startsWith(`${process.cwd()}/`) ? path.slice(process.cwd().length + 1) : path;
}

/** 1-based line number of the first match, for evidence lines. */
export function lineOf(source: string, pattern: RegExp): number {
  const m = pattern.exec(source);
  return m ? source.slice(0, m.index).split("\n").length : 0;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${label}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Flattens client errors for the report. Both clients nest the broker's error: kafkajs in
 * `originalError`/`cause`, @platformatic/kafka in AggregateError `errors` and `cause`.
 */
export function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 4) return String(error);
  const e = error as Error & {
    code?: unknown;
    type?: unknown;
    errors?: unknown[];
    originalError?: unknown;
    cause?: unknown;
  };
  const tags = [e.code, e.type].filter((t) => typeof t === "string" && t.length > 0);
  let text = `${e.name}${tags.length ? `[${tags.join(",")}]` : ""}: ${e.message}`;
  const nested = [...(e.errors ?? []), e.originalError, e.cause].filter((n) => n !== undefined);
  for (const n of nested.slice(0, 3)) text += ` <- ${describeError(n, depth + 1)}`;
  return text;
}

/** Broker-side error codes/names that mean "this producer is a zombie". */
export function isFencingError(text: string): boolean {
  return /fenc|producer.?epoch|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/i.test(text);
}

/**
 * Asks the broker for its ApiVersions over a plain socket, so neither client's view of the
 * protocol colours the compatibility check (request and response v0 are stable in Kafka 4).
 */
export function brokerApiVersions(bootstrap: string): Promise<BrokerApis> {
  const [host = "127.0.0.1", port = "9092"] = bootstrap.split(":");
  const clientId = Buffer.from("bench-apiversions");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);

  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    socket.setTimeout(5000, () => socket.destroy(new Error("ApiVersions timeout")));
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4 || buffer.length < 4 + buffer.readInt32BE(0)) return;
      socket.end();
      const errorCode = buffer.readInt16BE(8);
      if (errorCode !== 0) return reject(new Error(`ApiVersions error code ${errorCode}`));
      const count = buffer.readInt32BE(10);
      const apis: BrokerApis = new Map();
      for (let i = 0, o = 14; i < count; i++, o += 6) {
        apis.set(buffer.readInt16BE(o), {
          min: buffer.readInt16BE(o + 2),
          max: buffer.readInt16BE(o + 4),
        });
      }
      resolve(apis);
    });
    socket.connect(Number(port), host, () => socket.write(Buffer.concat([size, body])));
  });
}
