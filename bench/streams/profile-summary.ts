// Top self-time functions of a V8 CPU profile, and self time per area of the code.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/streams/run.ts --only stateful ...
//   npx tsx bench/streams/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [--top 25]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const top = Number(values.top);

function area(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/builtin)";
  if (url.includes("node_modules/@platformatic/kafka")) return "@platformatic/kafka";
  if (url.includes("node_modules/prom-client")) return "prom-client";
  if (url.includes("node_modules/lmdb")) return "lmdb";
  if (url.includes("node_modules/"))
    return `other node_modules (${url.split("node_modules/")[1]?.split("/")[0]})`;
  if (url.includes("/processors/engine/runtime/")) return "engine runtime";
  if (url.includes("/processors/engine/")) return "engine (topology, DSL, stores, serdes)";
  if (url.includes("/platform/kafka/")) return "platform/kafka";
  if (url.includes("/bench/")) return "bench";
  if (url.startsWith("node:")) return "node internals";
  return url;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const totalSamples = profile.samples.length;
  const ms = (profile.endTime - profile.startTime) / 1000;
  const perSample = ms / Math.max(1, totalSamples);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*\/work\/main\//, "").replace(/^file:\/\//, "");
    const key = `${functionName || "(anonymous)"}  ${short}${short ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + hits);
  }
  const busy = totalSamples - (byArea.get("(idle)") ?? 0);
  console.log(
    `${file}: ${(ms / 1000).toFixed(1)} s, ${totalSamples} samples, busy ${((100 * busy) / totalSamples).toFixed(1)}%`,
  );
  console.log("\nself time by area (% of busy samples):");
  for (const [a, hits] of [...byArea].sort((x, y) => y[1] - x[1])) {
    if (a === "(idle)") continue;
    console.log(`  ${((100 * hits) / busy).toFixed(1).padStart(5)}%  ${a}`);
  }
  console.log(`\ntop ${top} functions by self time (% of busy samples, ms):`);
  for (const [key, hits] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    if (key.startsWith("(idle)")) continue;
    console.log(
      `  ${((100 * hits) / busy).toFixed(1).padStart(5)}%  ${(hits * perSample).toFixed(0).padStart(6)} ms  ${key}`,
    );
  }
}
