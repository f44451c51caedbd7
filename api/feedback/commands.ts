/** The feedback service's commands: anyone submits, admins triage and resolve. */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type {
  FeedbackCategory,
  FeedbackPriority,
  FeedbackResolution,
} from "../../schemas/generated/feedback.ts";
import type { ApiContext } from "../context.ts";
import type { FeedbackState } from "../feedback/state.ts";
import { conflict, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

export interface Caller {
  ctx: ApiContext;
  feedback: TopicView<FeedbackState>;
  request: FastifyRequest;
}

export function submit(
  c: Caller,
  body: { category: FeedbackCategory; message: string; page?: string | null },
): Promise<PublishedEvent> {
  const feedbackId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.FeedbackSubmitted,
    feedbackId,
    {
      feedbackId,
      userId: c.request.user?.userId ?? null,
      category: body.category,
      message: body.message,
      page: body.page ?? null,
    },
    eventContext(c.request),
  );
}

async function openItem(c: Caller, feedbackId: string) {
  await c.feedback.catchUp();
  const item = c.feedback.state.get(feedbackId);
  if (!item) throw notFound("feedback item", feedbackId);
  if (item.status === "resolved") {
    throw conflict("already_resolved", "this feedback item is resolved already");
  }
  return item;
}

export async function triage(
  c: Caller,
  feedbackId: string,
  body: { priority: FeedbackPriority; assigneeId?: string | null; note?: string | null },
): Promise<PublishedEvent> {
  await openItem(c, feedbackId);
  return c.ctx.events.publish(
    c.ctx.types.FeedbackTriaged,
    feedbackId,
    {
      feedbackId,
      priority: body.priority,
      assigneeId: body.assigneeId ?? null,
      note: body.note ?? null,
    },
    eventContext(c.request),
  );
}

export async function resolve(
  c: Caller,
  feedbackId: string,
  body: { resolution: FeedbackResolution; note?: string | null },
): Promise<PublishedEvent> {
  await openItem(c, feedbackId);
  return c.ctx.events.publish(
    c.ctx.types.FeedbackResolved,
    feedbackId,
    { feedbackId, resolution: body.resolution, note: body.note ?? null },
    eventContext(c.request),
  );
}
