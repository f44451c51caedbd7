import { Type } from "@fastify/type-provider-typebox";
import { Accepted, IdParams, Nullable, responses, Text, Uuid } from "../http/schemas.ts";

const accepted = responses({ 202: Accepted });
const Note = Type.Optional(Nullable(Text(2_000)));

export const submit = {
  tags: ["feedback"],
  summary: "Send feedback about the platform (a token is optional)",
  body: Type.Object(
    {
      category: Type.Enum(["bug", "idea", "content", "other"]),
      message: Text(5_000),
      page: Type.Optional(Nullable(Type.String({ maxLength: 512, pattern: "^/[\\x21-\\x7e]*$" }))),
    },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const triage = {
  tags: ["feedback"],
  summary: "Give a feedback item a priority and maybe an assignee (admin)",
  security: [{ bearer: [] }],
  params: IdParams,
  body: Type.Object(
    {
      priority: Type.Enum(["low", "normal", "high", "urgent"]),
      assigneeId: Type.Optional(Nullable(Uuid)),
      note: Note,
    },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const resolve = {
  tags: ["feedback"],
  summary: "Close a feedback item (admin)",
  security: [{ bearer: [] }],
  params: IdParams,
  body: Type.Object(
    {
      resolution: Type.Enum(["fixed", "wont_fix", "duplicate", "answered"]),
      note: Note,
    },
    { additionalProperties: false },
  ),
  response: accepted,
};
