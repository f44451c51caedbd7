import { Type } from "@fastify/type-provider-typebox";
import { Accepted, responses, Text, Uuid } from "../http/schemas.ts";

export const send = {
  tags: ["chat"],
  summary: "Send a message to the AI music guide in a conversation (the client picks its id)",
  security: [{ bearer: [] }],
  params: Type.Object({ conversationId: Uuid }, { additionalProperties: false }),
  body: Type.Object({ text: Text(4_000) }, { additionalProperties: false }),
  response: responses({ 202: Accepted }),
};
