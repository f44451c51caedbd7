/**
 * /api/ops/dead-letters: the letters of every dead-letter topic (ops/dlq/letters.ts) with
 * what the audit trail says of each, one shown whole, and replay or skip of one letter
 * with a reason: ops/dlq/resolve.ts, the CLI's own path, so the replay and its audit event
 * are one transaction and a letter is resolved at most once.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { auditTopic, requireReason } from "../../ops/audit/audit.ts";
import {
  type DeadLetter,
  deadLetterTopics,
  errorShape,
  parseLetterId,
  readLetters,
} from "../../ops/dlq/letters.ts";
import { type Resolution, resolutions } from "../../ops/dlq/resolutions.ts";
import { resolveLetters } from "../../ops/dlq/resolve.ts";
import { badRequest, conflict, notFound } from "../http/errors.ts";
import { bytes, iso, plain } from "./json.ts";
import type { OpsPluginOptions } from "./plugin.ts";
import {
  LetterDetail,
  LetterList,
  LetterParams,
  ok,
  ReasonBody,
  Resolved,
  route,
} from "./schemas.ts";

/** A list bigger than this keeps the newest: a page of thousands helps nobody. */
const maxListed = 1_000;

const origin = (l: DeadLetter) =>
  l.origin ? `${l.origin.topic}:${l.origin.partition}:${l.origin.offset}` : null;

function summary(letter: DeadLetter, resolution: Resolution | undefined) {
  return {
    id: letter.id,
    topic: letter.letter.topic,
    source: letter.source,
    origin: origin(letter),
    stage: letter.stage,
    error: letter.error,
    errorShape: errorShape(letter.error),
    at: iso(letter.letter.timestamp),
    status: !resolution
      ? ("pending" as const)
      : resolution.action === "dlq.replay"
        ? ("replayed" as const)
        : ("skipped" as const),
    resolution: resolution
      ? {
          action: resolution.action,
          reason: resolution.reason,
          operator: resolution.operator,
          at: resolution.at.toISOString(),
        }
      : null,
  };
}

const deadLetterRoutes: FastifyPluginAsyncTypebox<OpsPluginOptions> = async (app, options) => {
  const prefix = options.topicPrefix ?? "";
  const resolved = () => {
    const { admin, fetcher } = options.clients();
    return resolutions(admin, fetcher, auditTopic(prefix), options.decode);
  };
  const letterOf = async (id: string) => {
    const { admin, fetcher } = options.clients();
    const where = parseLetterId(id);
    if (!where.topic.startsWith(prefix) || !(await admin.listTopics()).includes(where.topic)) {
      throw notFound("dead letter", id, "params.id");
    }
    const letter = (await readLetters(admin, fetcher, where.topic)).find((l) => l.id === id);
    if (!letter) throw notFound("dead letter", id, "params.id");
    return letter;
  };

  app.get(
    "/dead-letters",
    {
      schema: route("Every dead letter, newest first, with its status from the audit trail", {
        response: ok(LetterList),
      }),
    },
    async () => {
      const { admin, fetcher } = options.clients();
      const done = await resolved();
      const letters: DeadLetter[] = [];
      for (const topic of await deadLetterTopics(admin, prefix)) {
        letters.push(...(await readLetters(admin, fetcher, topic)));
      }
      letters.sort((a, b) => Number(b.letter.timestamp - a.letter.timestamp));
      return {
        letters: letters.slice(0, maxListed).map((l) => summary(l, done.get(l.id))),
        truncated: letters.length > maxListed,
      };
    },
  );

  app.get(
    "/dead-letters/:id",
    {
      schema: route("One dead letter whole: why, from where, its key, headers and original bytes", {
        params: LetterParams,
        response: ok(LetterDetail),
      }),
    },
    async (req) => {
      const letter = await letterOf(req.params.id);
      const resolution = (await resolved()).get(letter.id);
      const value = letter.original.value;
      let decoded: unknown = null;
      let undecodable: string | null = null;
      if (value) {
        try {
          decoded = plain(await options.decode(value));
        } catch (error) {
          undecodable = (error as Error).message;
        }
      }
      return {
        ...summary(letter, resolution),
        key: bytes(letter.original.key),
        headers: [...letter.original.headers].map(([name, v]) => ({ name, value: bytes(v) })),
        value: {
          size: value?.length ?? 0,
          base64: value?.toString("base64") ?? null,
          decoded,
          undecodable,
        },
      };
    },
  );

  for (const [verb, action] of [
    ["replay", "dlq.replay"],
    ["skip", "dlq.skip"],
  ] as const) {
    app.post(
      `/dead-letters/:id/${verb}`,
      {
        schema: route(
          verb === "replay"
            ? "Write the letter's original record back to its topic, once, with an audit event in the same transaction"
            : "Mark the letter as dealt with, without replaying it; the reason goes to the audit trail",
          { params: LetterParams, body: ReasonBody, response: ok(Resolved) },
        ),
      },
      async (req) => {
        let reason: string;
        try {
          reason = requireReason(req.body.reason);
        } catch {
          throw badRequest("reason_required", "say why, in at least 3 characters", [
            { path: "body.reason", message: "at least 3 characters" },
          ]);
        }
        const letter = await letterOf(req.params.id);
        const { admin, fetcher, principal } = options.clients();
        const report = await resolveLetters(action, [letter], {
          endpoints: options.endpoints,
          admin,
          fetcher,
          decode: options.decode,
          reason,
          ...(prefix ? { topicPrefix: prefix } : {}),
          operator: `${req.user?.username ?? "?"} (web console, ${req.user?.role ?? "?"})`,
          principal,
          log: (line) => req.log.info({ letter: letter.id }, line),
        });
        const refused = report.refused[0];
        if (refused) throw conflict("not_replayable", `${letter.id}: ${refused.why}`);
        if (report.already.length > 0) {
          throw conflict("already_resolved", `${letter.id} was replayed or skipped before`);
        }
        const to = report.done[0]?.to;
        return {
          id: letter.id,
          action,
          replayedTo: to ? `${to.topic}:${to.partition}:${to.offset}` : null,
        };
      },
    );
  }
};

export default deadLetterRoutes;
