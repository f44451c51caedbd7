/**
 * GET /api/ops/topologies and /topologies/:name: the streams applications and what each one
 * runs (processors/apps/describe.ts): sub-topologies, nodes, stores, topics, for the console
 * to draw. Loaded on the first request: it brings in every topology.
 */

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { Nullable } from "../http/schemas.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import { ok, route } from "./schemas.ts";

const describing = () => import("../../processors/apps/describe.ts");

const Summary = {
  name: Type.String(),
  applicationId: Type.String(),
  description: Type.String(),
};

export const ApplicationList = Type.Object(
  {
    applications: Type.Array(Type.Object(Summary, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Strings = Type.Array(Type.String());

export const ApplicationTopology = Type.Object(
  {
    ...Summary,
    subtopologies: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          nodes: Type.Array(
            Type.Object(
              {
                kind: Type.Union([
                  Type.Literal("source"),
                  Type.Literal("processor"),
                  Type.Literal("sink"),
                ]),
                name: Type.String(),
                topics: Strings,
                stores: Strings,
                children: Strings,
              },
              { additionalProperties: false },
            ),
          ),
          stores: Type.Array(
            Type.Object(
              {
                name: Type.String(),
                kind: Type.Union([
                  Type.Literal("key-value"),
                  Type.Literal("window"),
                  Type.Literal("session"),
                ]),
                persistent: Type.Boolean(),
                changelog: Nullable(Type.String()),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    globalTables: Type.Array(
      Type.Object({ topic: Type.String(), store: Type.String() }, { additionalProperties: false }),
    ),
    internalTopics: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          kind: Type.Union([
            Type.Literal("repartition"),
            Type.Literal("subscription"),
            Type.Literal("response"),
          ]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const AppName = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

const topologyRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const prefix = options.topicPrefix ?? "";

  app.get(
    "/topologies",
    {
      schema: route("The streams applications, by name", { response: ok(ApplicationList) }),
    },
    async (): Promise<Static<typeof ApplicationList>> => ({
      applications: (await describing()).listApplications(prefix),
    }),
  );

  app.get(
    "/topologies/:name",
    {
      schema: route(
        "A streams application's topology: sub-topologies, nodes, stores, internal topics",
        { params: AppName, response: ok(ApplicationTopology) },
      ),
    },
    async (req): Promise<Static<typeof ApplicationTopology>> => {
      const described = await (await describing()).describeApplication(req.params.name, prefix);
      if (!described) throw notFound("application", req.params.name, "params.name");
      return described;
    },
  );
};

export default topologyRoutes;
