import type { FastifyReply } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import { formatPosition } from "../read/positions.ts";

/**
 * The 202 body: the resource's id (the event's key), the event's id and where it landed,
 * also as one token a reader passes to `after=` as it is, to see its own write.
 */
export function position(published: PublishedEvent) {
  return {
    id: published.key,
    eventId: published.eventId,
    topic: published.topic,
    partition: published.partition,
    offset: published.offset.toString(),
    position: formatPosition(published),
  };
}

export function accepted(reply: FastifyReply, published: PublishedEvent) {
  return reply.status(202).send(position(published));
}
