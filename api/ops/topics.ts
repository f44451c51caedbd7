/**
 * GET /api/ops/topics, /topics/:name, /topics/:name/records: the catalog's topics and
 * every other one on the broker (ops/catalog/topic-kinds.ts says which is which), one
 * described, and a bounded, decoded page of its records (ops/topics/read.ts): at most
 * `limit` records, 5,000 looked at, 5 s, whatever the filter.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { classifyTopic } from "../../ops/catalog/topic-kinds.ts";
import { describeTopic, summarize } from "../../ops/topics/describe.ts";
import { fieldFilter, keyFilter, readTopic, type StartAt } from "../../ops/topics/read.ts";
import { catalog, prefixedCatalog, type TopicEntry } from "../../schemas/catalog.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { bytes, iso, plain } from "./json.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import {
  ok,
  RecordPage,
  RecordsQuery,
  route,
  TopicDetail,
  TopicList,
  TopicListQuery,
  TopicName,
} from "./schemas.ts";

const maxScanned = 5_000;
const readBudgetMs = 5_000;

const catalogFacts = (entry: TopicEntry | undefined) =>
  entry
    ? {
        owner: entry.owner,
        doc: entry.doc,
        derived: entry.derived,
        restricted: entry.restricted,
        cleanupPolicy: entry.cleanupPolicy,
        retentionMs: entry.retentionMs,
        events: entry.events.map((e) => e.name),
      }
    : null;

const topicRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const prefix = options.topicPrefix ?? "";
  const entries = prefix ? prefixedCatalog(prefix) : [...catalog];
  const kindOf = (name: string) => classifyTopic(name, { prefix }).kind;
  const existing = async (name: string) => {
    const { admin } = options.clients();
    if (!(await admin.listTopics()).includes(name)) throw notFound("topic", name, "params.name");
    return admin;
  };

  app.get(
    "/topics",
    {
      schema: route("The catalog's topics, and with all=true every other topic on the broker", {
        querystring: TopicListQuery,
        response: ok(TopicList),
      }),
    },
    async (req) => {
      const { admin } = options.clients();
      // A prefixed platform (tests) sees its own topics only, as it has its own catalog.
      const onBroker = new Set((await admin.listTopics()).filter((t) => t.startsWith(prefix)));
      const names = [
        ...entries.map((e) => e.name),
        // Each costs two offset look-ups, and a broker shared by test runs has hundreds.
        ...(req.query.all === "true"
          ? [...onBroker].filter((t) => !entries.some((e) => e.name === t)).sort()
          : []),
      ];
      const topics = await Promise.all(
        names.map(async (name) => {
          const entry = entries.find((e) => e.name === name);
          const summary = onBroker.has(name) ? await summarize(admin, name, entry) : undefined;
          return {
            name,
            kind: kindOf(name),
            onBroker: summary !== undefined,
            partitions: summary?.partitions ?? null,
            records: summary ? Number(summary.records) : null,
            catalog: catalogFacts(entry),
          };
        }),
      );
      return { topics };
    },
  );

  app.get(
    "/topics/:name",
    {
      schema: route("A topic's partitions, offsets, configs and catalog entry", {
        params: TopicName,
        response: ok(TopicDetail),
      }),
    },
    async (req) => {
      const admin = await existing(req.params.name);
      const entry = entries.find((e) => e.name === req.params.name);
      const detail = await describeTopic(admin, req.params.name, entry);
      return {
        name: detail.name,
        kind: kindOf(detail.name),
        partitions: detail.partitions,
        records: Number(detail.records),
        offsets: detail.offsets.map((o) => ({
          partition: o.partition,
          first: o.first.toString(),
          end: o.end.toString(),
        })),
        configs: detail.configs,
        catalog: catalogFacts(entry),
      };
    },
  );

  app.get(
    "/topics/:name/records",
    {
      schema: route("A bounded page of a topic's records, decoded (Avro through the registry)", {
        params: TopicName,
        querystring: RecordsQuery,
        response: ok(RecordPage),
      }),
    },
    async (req) => {
      const topic = req.params.name;
      const admin = await existing(topic);
      const { fetcher } = options.clients();
      const q = req.query;
      const limit = Number(q.limit ?? 20);
      const count = await admin.partitionCount(topic);
      const partition = q.partition === undefined ? undefined : Number(q.partition);
      if (partition !== undefined && partition >= count) {
        throw badRequest("unknown_partition", `${topic} has partitions 0 to ${count - 1}`, [
          { path: "query.partition", message: `0 to ${count - 1}` },
        ]);
      }
      let from: StartAt;
      switch (q.from ?? "earliest") {
        case "earliest":
          from = { at: "earliest" };
          break;
        case "end": {
          if (partition === undefined) {
            throw badRequest("partition_required", "from=end reads one partition: give partition", [
              { path: "query.partition", message: "required with from=end" },
            ]);
          }
          const [starts, ends] = await Promise.all([
            admin.startOffsets(topic),
            admin.endOffsets(topic, "read_committed"),
          ]);
          const end = ends[partition] ?? 0n;
          const start = starts[partition] ?? 0n;
          const back = end - BigInt(limit);
          from = { at: "offset", offset: back > start ? back : start };
          break;
        }
        case "offset":
          if (q.offset === undefined) {
            throw badRequest("offset_required", "from=offset needs offset", [
              { path: "query.offset", message: "required with from=offset" },
            ]);
          }
          from = { at: "offset", offset: BigInt(q.offset) };
          break;
        default:
          if (q.time === undefined) {
            throw badRequest("time_required", "from=time needs time", [
              { path: "query.time", message: "required with from=time" },
            ]);
          }
          // Before 1970 is the start: the broker reads -1 and -2 as "latest" and "earliest".
          from = { at: "time", ms: Math.max(0, Date.parse(q.time)) };
      }
      let where: ReturnType<typeof fieldFilter> | undefined;
      if (q.where !== undefined) {
        try {
          where = fieldFilter(q.where);
        } catch (error) {
          throw badRequest("invalid_filter", (error as Error).message, [
            { path: "query.where", message: "field=value" },
          ]);
        }
      }
      const byKey = q.key === undefined ? undefined : keyFilter(q.key);
      const records: unknown[] = [];
      const summary = await readTopic(
        admin,
        fetcher,
        {
          topic,
          ...(partition !== undefined ? { partitions: [partition] } : {}),
          from,
          follow: false,
          maxMatches: limit,
          maxScanned,
          deadline: Date.now() + readBudgetMs,
          decode: options.decode,
          ...(where || byKey
            ? { matches: (r) => (!byKey || byKey(r)) && (!where || where(r)) }
            : {}),
        },
        (r) => {
          records.push({
            partition: r.record.partition,
            offset: r.record.offset.toString(),
            timestamp: iso(r.record.timestamp),
            key: bytes(r.record.key),
            headers: [...r.record.headers].map(([name, value]) => ({ name, value: bytes(value) })),
            eventType: r.eventType ?? null,
            size: r.record.value?.length ?? 0,
            value: r.value === undefined ? null : plain(r.value),
            undecodable: r.undecodable ?? null,
          });
        },
      );
      return {
        records: records as never[],
        scanned: summary.scanned,
        stopped: summary.stopped,
        next: [...summary.next].map(([p, offset]) => ({ partition: p, offset: offset.toString() })),
      };
    },
  );
};

export default topicRoutes;
