/**
 * GET /api/ops/registry/subjects and /registry/subjects/:subject/diff: the schema registry's
 * subjects (domain or internal, by ops/registry/subjects.ts), each with its versions and
 * compatibility level, and two versions of one compared (ops/registry/schema-diff.ts). Read
 * through the registry's Confluent-compatible API, as the CLI does.
 */

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "@fastify/type-provider-typebox";
import pLimit from "p-limit";
import { schemaDiff } from "../../ops/registry/schema-diff.ts";
import { classifySubject } from "../../ops/registry/subjects.ts";
import {
  type RegistryApi,
  RegistryUnavailableError,
  registryApi,
} from "../../platform/registry/confluent-api.ts";
import { badRequest, notFound, unavailable } from "../http/errors.ts";
import { Nullable } from "../http/schemas.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import { ok, route } from "./schemas.ts";

const Level = Type.String({ description: "NONE, BACKWARD, FULL_TRANSITIVE…" });

export const SubjectList = Type.Object(
  {
    globalCompatibility: Level,
    subjects: Type.Array(
      Type.Object(
        {
          subject: Type.String(),
          topic: Nullable(Type.String()),
          record: Nullable(Type.String()),
          kind: Type.String({ description: "domain, or the topic's internal kind" }),
          versions: Type.Array(Type.Integer()),
          compatibility: Nullable(Level),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Version = Type.Object(
  { version: Type.Integer(), id: Type.Integer(), schema: Type.String() },
  { additionalProperties: false },
);

export const SubjectDiff = Type.Object(
  {
    subject: Type.String(),
    versions: Type.Array(Type.Integer()),
    from: Version,
    to: Version,
    added: Type.Integer(),
    removed: Type.Integer(),
    fields: Type.Object(
      { added: Type.Array(Type.String()), removed: Type.Array(Type.String()) },
      { additionalProperties: false },
    ),
    lines: Type.Array(
      Type.Object(
        {
          kind: Type.Union([
            Type.Literal("same"),
            Type.Literal("added"),
            Type.Literal("removed"),
            Type.Literal("fold"),
          ]),
          text: Type.Optional(Type.String()),
          old: Type.Optional(Nullable(Type.Integer())),
          new: Type.Optional(Nullable(Type.Integer())),
          count: Type.Optional(Type.Integer()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const SubjectParams = Type.Object(
  { subject: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
const DiffQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ pattern: "^[0-9]+$" })),
    to: Type.Optional(Type.String({ pattern: "^[0-9]+$" })),
  },
  { additionalProperties: false },
);

/** No answer from the registry is a 503 that says so, not a bare 500. */
async function reading<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof RegistryUnavailableError) {
      throw unavailable("registry_unavailable", error.message);
    }
    throw error;
  }
}

const registryRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const prefix = options.topicPrefix ?? "";
  const registry: RegistryApi = registryApi(options.endpoints.schemaRegistryUrl);

  app.get(
    "/registry/subjects",
    {
      schema: route("The schema registry's subjects: kind, versions, compatibility level", {
        response: ok(SubjectList),
      }),
    },
    async (): Promise<Static<typeof SubjectList>> =>
      reading(async () => {
        // A prefixed platform (tests) sees its own subjects only, as with topics.
        const names = (await registry.subjects()).filter((s) => s.startsWith(prefix)).sort();
        const limit = pLimit(8);
        const [globalCompatibility, subjects] = await Promise.all([
          registry.globalCompatibility(),
          Promise.all(
            names.map((subject) =>
              limit(async () => {
                const [versions, compatibility] = await Promise.all([
                  registry.versionNumbers(subject),
                  registry.subjectCompatibility(subject),
                ]);
                const { topic, record, kind } = classifySubject(subject, { prefix });
                return { subject, topic, record, kind, versions, compatibility };
              }),
            ),
          ),
        ]);
        return { globalCompatibility, subjects };
      }),
  );

  app.get(
    "/registry/subjects/:subject/diff",
    {
      schema: route(
        "Two versions of a subject's schema, pretty-printed and compared (default: the latest and the one before)",
        { params: SubjectParams, querystring: DiffQuery, response: ok(SubjectDiff) },
      ),
    },
    async (req): Promise<Static<typeof SubjectDiff>> =>
      reading(async () => {
        const { subject } = req.params;
        const versions = await registry.versionNumbers(subject);
        const latest = versions.at(-1);
        if (latest === undefined) throw notFound("subject", subject, "params.subject");
        const to = req.query.to === undefined ? latest : Number(req.query.to);
        const from =
          req.query.from === undefined
            ? (versions[versions.indexOf(to) - 1] ?? to)
            : Number(req.query.from);
        for (const [name, v] of [
          ["from", from],
          ["to", to],
        ] as const) {
          if (!versions.includes(v)) {
            throw badRequest("unknown_version", `${subject} has versions ${versions.join(", ")}`, [
              { path: `query.${name}`, message: `one of ${versions.join(", ")}` },
            ]);
          }
        }
        const [older, newer] = await Promise.all([
          registry.version(subject, from),
          registry.version(subject, to),
        ]);
        if (!older || !newer) throw notFound("subject", subject, "params.subject");
        const pick = (v: typeof older) => ({ version: v.version, id: v.id, schema: v.schema });
        return {
          subject,
          versions,
          from: pick(older),
          to: pick(newer),
          ...schemaDiff(older.schema, newer.schema),
        };
      }),
  );
};

export default registryRoutes;
