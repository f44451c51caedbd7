import type { FastifyReply } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";

/** The 202 body: the event's id and where it landed, so a reader can wait for it. */
export function position(published: PublishedEvent) {
  return {
    eventId: published.eventId,
    topic: published.topic,
    partition: published.partition,
    offset: published.offset.toString(),
  };
}

export function accepted(reply: FastifyReply, published: PublishedEvent) {
  return reply.status(202).send(position(published));
}
