/**
 * /api/ops/views/:view/rebuild|swap|rollback and /api/ops/view-commands/:id: the console
 * asks the sinks process to change a view (ops/views/commands.ts) and reads what became
 * of it. The gateway never runs a sink: it writes a command to ops.view-commands and
 * answers 202 with its id; the sinks process runs it once and writes the outcome to the
 * audit trail, which the status route reads (docs/adr/029-operator-console.md).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { auditTopic, requireReason } from "../../ops/audit/audit.ts";
import { readTopic } from "../../ops/topics/read.ts";
import {
  commandStates,
  postViewCommand,
  type ViewCommand,
  type ViewCommandKind,
  viewCommandsTopic,
} from "../../ops/views/commands.ts";
import { createProducer, type KafkaProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { responses } from "../http/schemas.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import {
  CommandAccepted,
  CommandParams,
  CommandStatus,
  ok,
  ReasonBody,
  route,
  SwapBody,
  ViewParams,
} from "./schemas.ts";

const viewCommandRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const prefix = options.topicPrefix ?? "";
  const registry = registryApi(options.endpoints.schemaRegistryUrl);
  let producer: KafkaProducer | undefined;
  const producerOf = () => {
    producer ??= createProducer({
      brokers: options.endpoints.kafkaBrokers,
      clientId: "vobe-ops-console",
      principal: options.clients().principal,
    });
    return producer;
  };
  app.addHook("onClose", async () => {
    await producer?.close();
  });

  const post = async (
    req: {
      body: { reason: string };
      params: { view: string };
      user?: { username?: string; role?: string } | null;
    },
    command: ViewCommandKind,
    version: number | null,
  ) => {
    let reason: string;
    try {
      reason = requireReason(req.body.reason);
    } catch {
      throw badRequest("reason_required", "say why, in at least 3 characters", [
        { path: "body.reason", message: "at least 3 characters" },
      ]);
    }
    const { viewNames } = await import("../../sinks/views.ts");
    if (!(viewNames as readonly string[]).includes(req.params.view)) {
      throw notFound("view", req.params.view, "params.view");
    }
    const commandId = await postViewCommand(
      producerOf(),
      registry,
      {
        command,
        view: req.params.view,
        version,
        reason,
        operator: `${req.user?.username ?? "?"} (web console, ${req.user?.role ?? "?"})`,
      },
      { topicPrefix: prefix },
    );
    return { commandId, command, view: req.params.view };
  };
  const accepted = responses({ 202: CommandAccepted });
  const said =
    "; the sinks process runs it once and writes the outcome to ops.audit (GET /api/ops/view-commands/:id)";

  app.post(
    "/views/:view/rebuild",
    {
      schema: route(
        `Ask the sinks process to build a new version of the view and swap it in${said}`,
        {
          params: ViewParams,
          body: ReasonBody,
          response: accepted,
        },
      ),
    },
    async (req, reply) => reply.status(202).send(await post(req, "rebuild", null)),
  );
  app.post(
    "/views/:view/swap",
    {
      schema: route(`Ask the sinks process to catch a version up and make it live${said}`, {
        params: ViewParams,
        body: SwapBody,
        response: accepted,
      }),
    },
    async (req, reply) => reply.status(202).send(await post(req, "swap", req.body.version)),
  );
  app.post(
    "/views/:view/rollback",
    {
      schema: route(`Ask the sinks process to go back to the newest retired version${said}`, {
        params: ViewParams,
        body: ReasonBody,
        response: accepted,
      }),
    },
    async (req, reply) => reply.status(202).send(await post(req, "rollback", null)),
  );

  app.get(
    "/view-commands/:id",
    {
      schema: route("A view command as posted, and what the sinks process made of it", {
        params: CommandParams,
        response: ok(CommandStatus),
      }),
    },
    async (req) => {
      const { admin, fetcher } = options.clients();
      const topic = viewCommandsTopic(prefix);
      let found: ViewCommand | undefined;
      if ((await admin.listTopics()).includes(topic)) {
        await readTopic(
          admin,
          fetcher,
          {
            topic,
            from: { at: "earliest" },
            follow: false,
            decode: options.decode,
            matches: (r) => (r.value as ViewCommand | null)?.commandId === req.params.id,
            maxMatches: 1,
          },
          (r) => {
            found = r.value as ViewCommand;
          },
        );
      }
      if (!found) throw notFound("view command", req.params.id, "params.id");
      // The console asks every second while a command runs: read the trail from a minute
      // before the command was posted (clock skew between the gateway and the sinks
      // process), not from its first record.
      const since = { at: "time" as const, ms: found.occurredAt.getTime() - 60_000 };
      const states = await commandStates(admin, fetcher, auditTopic(prefix), options.decode, since);
      const state = states.get(req.params.id);
      return {
        commandId: found.commandId,
        command: found.command,
        view: found.view,
        version: found.version,
        reason: found.reason,
        operator: found.operator,
        postedAt: found.occurredAt.toISOString(),
        status: state?.outcome ?? ("pending" as const),
        message: state?.message ?? "",
        at: state ? state.at.toISOString() : null,
      };
    },
  );
};

export default viewCommandRoutes;
