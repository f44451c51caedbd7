// Which embedded store backs persistent state stores (issue 4: "measure before choosing").
// The runtime's access pattern: synchronous point reads while processing, ordered range
// scans (windows, prefix scans), and batched writes once per commit.
//   npx tsx bench/stores/run.ts [--keys 200000]
// Compares LMDB (lmdb) and LevelDB (classic-level) with the in-memory B+ tree store as the
// baseline, in the same run. Needs no services.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ClassicLevel } from "classic-level";
import { LmdbBytesStore } from "../../processors/engine/runtime/lmdb-store.ts";
import { InMemoryBytesStore } from "../../processors/engine/state/in-memory-bytes-store.ts";

const { values: args } = parseArgs({ options: { keys: { type: "string", default: "200000" } } });
const keys = Number(args.keys);
const batch = 1_000;
const dir = mkdtempSync(join(tmpdir(), "vobe-store-bench-"));

const key = (i: number) => Buffer.from(`track-${String((i * 7919) % keys).padStart(9, "0")}`);
const value = (i: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(i));
  return b;
};
const order = Array.from({ length: keys }, (_, i) => i);
const reads = Array.from({ length: keys }, (_, i) => (i * 104729) % keys);

interface Result {
  store: string;
  writes: number;
  reads: number;
  scans: number;
}

const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};
const timeAsync = async (fn: () => Promise<void>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
const SCANS = 2_000;
const scanFrom = (i: number) => key((i * 31) % keys);

function inMemory(): Result {
  const store = new InMemoryBytesStore();
  const w = time(() => {
    for (const i of order) store.put(key(i), value(i));
  });
  const r = time(() => {
    for (const i of reads) store.get(key(i));
  });
  const s = time(() => {
    for (let n = 0; n < SCANS; n++) {
      let c = 0;
      for (const _ of store.range(scanFrom(n))) if (++c >= 100) break;
    }
  });
  return {
    store: "in-memory B+ tree (baseline)",
    writes: keys / w,
    reads: keys / r,
    scans: SCANS / s,
  };
}

function lmdb(): Result {
  const store = new LmdbBytesStore(join(dir, "lmdb"));
  const w = time(() => {
    for (let b = 0; b < keys; b += batch) {
      store.applyBatch(
        order.slice(b, b + batch).map((i) => ({ key: key(i), value: value(i) })),
        BigInt(b),
      );
    }
  });
  const r = time(() => {
    for (const i of reads) store.get(key(i));
  });
  const s = time(() => {
    for (let n = 0; n < SCANS; n++) {
      let c = 0;
      for (const _ of store.range(scanFrom(n))) if (++c >= 100) break;
    }
  });
  store.close();
  return {
    store: "LMDB (lmdb), batch per commit in one txn",
    writes: keys / w,
    reads: keys / r,
    scans: SCANS / s,
  };
}

async function level(): Promise<Result> {
  const db = new ClassicLevel<Buffer, Buffer>(join(dir, "level"), {
    keyEncoding: "buffer",
    valueEncoding: "buffer",
  });
  await db.open();
  const w = await timeAsync(async () => {
    for (let b = 0; b < keys; b += batch) {
      await db.batch(
        order
          .slice(b, b + batch)
          .map((i) => ({ type: "put" as const, key: key(i), value: value(i) })),
      );
    }
  });
  const r = time(() => {
    for (const i of reads) db.getSync(key(i));
  });
  const s = await timeAsync(async () => {
    for (let n = 0; n < SCANS; n++) {
      // Iterators are asynchronous in classic-level: the processing path cannot use them.
      await db.iterator({ gte: scanFrom(n), limit: 100 }).all();
    }
  });
  await db.close();
  return {
    store: "LevelDB (classic-level), batch per commit",
    writes: keys / w,
    reads: keys / r,
    scans: SCANS / s,
  };
}

const rate = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  `stores: ${keys.toLocaleString("en-US")} keys, batches of ${batch}, ${SCANS} scans of 100; ${availableParallelism()} cores (${cpus()[0]?.model}), Node ${process.version}, ${new Date().toISOString()}`,
);
try {
  const results = [inMemory(), lmdb(), await level()];
  const base = results[0] as Result;
  console.log("\n| store | writes/s | × base | point reads/s | × base | range scans/s | × base |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.store} | ${rate(r.writes)} | ${(r.writes / base.writes).toFixed(2)} | ${rate(r.reads)} | ${(r.reads / base.reads).toFixed(2)} | ${rate(r.scans)} | ${(r.scans / base.scans).toFixed(2)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
