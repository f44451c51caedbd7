/**
 * `vobe sinks status`: every version of every view, which is live, and how far each one
 * that is followed is behind its topics (records and seconds, ops/lag/). Retired versions
 * are listed without lag: nothing reads for them, so "behind" would only grow.
 */

import prettyMs from "pretty-ms";
import { ageLag } from "../ops/lag/age.ts";
import { sampleLag, type ViewVersionConsumer } from "../ops/lag/positions.ts";
import { endpointsFromEnv } from "../platform/config/endpoints.ts";
import { createAdmin, createFetcher } from "../platform/kafka/index.ts";
import { plainTable } from "./output.ts";
import { platformConsumers } from "./platform/consumers.ts";

export async function viewsStatus(
  options: { prefix: string; schemaPrefix: string },
  json: boolean,
): Promise<string> {
  const endpoints = endpointsFromEnv();
  const platform = await platformConsumers(endpoints, {
    prefix: options.prefix,
    schemaPrefix: options.schemaPrefix,
    retired: true,
    applications: false,
  });
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-sinks-status" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-sinks-status" });
  try {
    const versions = platform.consumers as ViewVersionConsumer[];
    const followed = versions.filter((v) => v.state !== "retired");
    const lags = await ageLag(fetcher, await sampleLag(admin, followed), Date.now());
    const rows = versions.map((v) => {
      const lag = lags.find((l) => l.consumer === v);
      return {
        view: v.name,
        version: v.version,
        state: v.state,
        schema: v.schema,
        behind: lag ? Number(lag.behind) : null,
        secondsBehind: lag ? lag.secondsBehind : null,
      };
    });
    if (json) return JSON.stringify({ versions: rows }, null, 2);
    const table = plainTable(
      ["view", "version", "state", "schema", "behind", "age"],
      ["left", "right", "left", "left", "right", "right"],
    );
    for (const r of rows) {
      table.push([
        r.view,
        `v${r.version}`,
        r.state,
        r.schema,
        r.behind === null ? "—" : String(r.behind),
        r.state === "retired"
          ? "—"
          : r.secondsBehind === null
            ? "?"
            : r.secondsBehind === 0
              ? "0"
              : prettyMs(r.secondsBehind * 1000, { secondsDecimalDigits: 0 }),
      ]);
    }
    return rows.length === 0 ? "no view has a version yet" : table.toString();
  } finally {
    await Promise.all([admin.close(), fetcher.close(), platform.close()]);
  }
}
