/**
 * GET /api/ops/lag and /api/ops/views: every consumer's lag (ops/lag/) and every view
 * version's state. The trend needs samples over time: each request adds one to this
 * process's window, so the overview's refresh is what draws it.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ageLag } from "../../ops/lag/age.ts";
import {
  consumerKey,
  sampleLag,
  totalsOf,
  type ViewVersionConsumer,
} from "../../ops/lag/positions.ts";
import { keepWindow, type LagSample, trendOf } from "../../ops/lag/trend.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import { LagReport, ok, route, ViewsReport } from "./schemas.ts";

const trendWindowMs = 5 * 60_000;

/**
 * The platform's consumers (every topology, every view version). Loaded on the first
 * console request: it brings in the topologies and the sinks' view definitions, which a
 * gateway nobody operates never needs.
 */
const consumersOf = async (
  ...args: Parameters<typeof import("../../cli/platform/consumers.ts").platformConsumers>
) => (await import("../../cli/platform/consumers.ts")).platformConsumers(...args);

const lagRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const history = new Map<string, LagSample[]>();
  const placement = {
    prefix: options.topicPrefix ?? "",
    schemaPrefix: options.schemaPrefix ?? "",
  };

  app.get(
    "/lag",
    {
      schema: route(
        "Lag of every streams application, view version and Kafka Connect connector, in records and seconds",
        { response: ok(LagReport) },
      ),
    },
    async () => {
      const { admin, fetcher } = options.clients();
      const platform = await consumersOf(options.endpoints, placement);
      try {
        const at = Date.now();
        const lags = await ageLag(fetcher, await sampleLag(admin, platform.consumers), at);
        return {
          at: new Date(at).toISOString(),
          consumers: lags.map((lag) => {
            const key = consumerKey(lag.consumer);
            const samples = keepWindow(
              [...(history.get(key) ?? []), totalsOf(lag, at)],
              trendWindowMs,
            );
            history.set(key, samples);
            const trend = trendOf(samples);
            const c = lag.consumer;
            return {
              key,
              kind: c.kind,
              name: c.name,
              version: c.kind === "view" ? c.version : null,
              state: c.kind === "view" ? c.state : null,
              behind: Number(lag.behind),
              secondsBehind: lag.secondsBehind,
              history: samples.map((s) => ({
                at: new Date(s.at).toISOString(),
                behind: Number(s.end - s.consumed),
              })),
              trend: trend && {
                readPerSecond: trend.readPerSecond,
                writtenPerSecond: trend.writtenPerSecond,
                behindPerMinute: trend.behindPerMinute,
                etaSeconds: trend.etaSeconds,
              },
              missingTopics: lag.missingTopics,
              partitions: lag.partitions.map((p) => ({
                topic: p.topic,
                partition: p.partition,
                next: p.next.toString(),
                end: p.end.toString(),
                behind: Number(p.behind),
                oldestUnreadAt:
                  p.oldestUnreadAt === null ? null : new Date(p.oldestUnreadAt).toISOString(),
              })),
            };
          }),
        };
      } finally {
        await platform.close();
      }
    },
  );

  app.get(
    "/views",
    {
      schema: route("Every version of every view: state, lag, and a rebuild's progress", {
        response: ok(ViewsReport),
      }),
    },
    async () => {
      const { admin, fetcher } = options.clients();
      const platform = await consumersOf(options.endpoints, {
        ...placement,
        retired: true,
        applications: false,
        connectors: false,
      });
      try {
        const versions = platform.consumers as ViewVersionConsumer[];
        // A retired version is read by nobody: its "lag" would only grow.
        const followed = versions.filter((v) => v.state !== "retired");
        const lags = await ageLag(fetcher, await sampleLag(admin, followed), Date.now());
        return {
          versions: versions.map((v) => {
            const lag = lags.find((l) => l.consumer === v);
            const read = lag?.partitions.reduce((sum, p) => sum + p.next, 0n) ?? 0n;
            const end = lag?.partitions.reduce((sum, p) => sum + p.end, 0n) ?? 0n;
            return {
              view: v.name,
              version: v.version,
              state: v.state,
              schema: v.schema,
              behind: lag ? Number(lag.behind) : null,
              secondsBehind: lag ? lag.secondsBehind : null,
              progress: !lag
                ? null
                : end === 0n || lag.behind === 0n
                  ? 1
                  : Number(read) / Number(end),
            };
          }),
        };
      } finally {
        await platform.close();
      }
    },
  );
};

export default lagRoutes;
