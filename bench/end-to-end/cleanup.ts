// After an interrupted run (a bench killed before its own cleanup): deletes the topics,
// registry subjects and view schemas of one run id, or of every bench.{e2e,fresh,write} run.
//   npx tsx bench/end-to-end/cleanup.ts [<run id>]
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { dropAll } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { baseOf, createSinkRuntime } from "../../sinks/runtime.ts";

const only = process.argv[2];
const endpoints = endpointsFromEnv();
const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench-cleanup" });
const pattern = /^bench\.(e2e|fresh|write)\.([0-9a-f]{8})\./;
const topics = (await admin.listTopics()).filter((t) => {
  const m = pattern.exec(t);
  return m && (!only || m[2] === only);
});
const ids = new Set(topics.map((t) => pattern.exec(t)?.slice(1, 3).join(".") as string));
await admin.deleteTopics(topics);
await admin.close();
const api = registryApi(endpoints.schemaRegistryUrl);
const runtime = createSinkRuntime(endpoints, "vobe-bench-cleanup");
const pool = await runtime.pool("listening");
for (const nameAndId of ids) {
  const [, id] = nameAndId.split(".");
  const prefix = `bench.${nameAndId}.`;
  for (const subject of prefixedCatalog(prefix, catalog).flatMap((t) => t.events.map(subjectOf))) {
    await api.deleteSubject(subject).catch(() => {});
  }
  await dropAll(pool, baseOf(listeningView, { schemaPrefix: `b_${id}_` })).catch(() => {});
}
await runtime.close();
console.log(`deleted ${topics.length} topics of ${[...ids].join(", ") || "no run"}`);
