import { Type } from "@fastify/type-provider-typebox";
import { Accepted, IdParams, responses, Text, Uuid } from "../http/schemas.ts";

const security = [{ bearer: [] }];
const accepted = responses({ 202: Accepted });
const CommentBody = Text(5_000);

export const add = {
  tags: ["comment"],
  summary: "Comment on a post, or reply to one of its comments",
  security,
  params: Type.Object({ postId: Uuid }, { additionalProperties: false }),
  body: Type.Object(
    { body: CommentBody, parentCommentId: Type.Optional(Uuid) },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const edit = {
  tags: ["comment"],
  summary: "Change the text of one of the caller's comments",
  security,
  params: IdParams,
  body: Type.Object({ body: CommentBody }, { additionalProperties: false }),
  response: accepted,
};

export const remove = {
  tags: ["comment"],
  summary: "Delete one of the caller's comments (admins may delete any)",
  security,
  params: IdParams,
  response: accepted,
};
