/**
 * GET /api/ops/audit: the newest operator actions of `ops.audit`, from the CLI and the
 * console alike. Each partition is read from `limit` records before its end, so the page
 * costs the same however long the trail grows.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { auditTopic } from "../../ops/audit/audit.ts";
import { readTopic } from "../../ops/topics/read.ts";
import type { OperatorActionTaken } from "../../schemas/generated/ops.ts";
import { iso } from "./json.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import { AuditQuery, AuditTrail, ok, route } from "./schemas.ts";

/** A record of the trail as decoded; read defensively, every field may be missing. */
type Action = Partial<OperatorActionTaken>;

const auditRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const topic = auditTopic(options.topicPrefix);

  app.get(
    "/audit",
    {
      schema: route("The newest operator actions (ops.audit), newest first", {
        querystring: AuditQuery,
        response: ok(AuditTrail),
      }),
    },
    async (req) => {
      const { admin, fetcher } = options.clients();
      const limit = Number(req.query.limit ?? 50);
      if (!(await admin.listTopics()).includes(topic)) return { entries: [] };
      const [starts, ends] = await Promise.all([
        admin.startOffsets(topic),
        admin.endOffsets(topic, "read_committed"),
      ]);
      const found: Array<{ ms: number; entry: Record<string, unknown> }> = [];
      await Promise.all(
        ends.map(async (end, partition) => {
          const start = starts[partition] ?? 0n;
          // Transaction markers take offsets too: twice the page is enough to hold it.
          const back = end - BigInt(limit * 2);
          await readTopic(
            admin,
            fetcher,
            {
              topic,
              partitions: [partition],
              from: { at: "offset", offset: back > start ? back : start },
              follow: false,
              decode: options.decode,
            },
            (r) => {
              const v = r.value as Action | null | undefined;
              if (!v?.action) return;
              const at = v.occurredAt ?? new Date(Number(r.record.timestamp));
              found.push({
                ms: at.getTime(),
                entry: {
                  id: `${r.record.topic}:${r.record.partition}:${r.record.offset}`,
                  at: iso(at.getTime()),
                  action: v.action,
                  target: v.target ?? "",
                  reason: v.reason ?? "",
                  operator: v.operator ?? "",
                  details: Object.fromEntries((v.details ?? []).map((d) => [d.name, d.value])),
                },
              });
            },
          );
        }),
      );
      found.sort((a, b) => b.ms - a.ms);
      return { entries: found.slice(0, limit).map((f) => f.entry) as never[] };
    },
  );
};

export default auditRoutes;
