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

/** A moment's text: a short reaction to a point of the track, shown in a popover. */
const MomentBody = Text(500);

export const postMoment = {
  tags: ["comment"],
  summary: "Comment on a track at a moment of it (milliseconds from its start)",
  security,
  params: Type.Object({ trackId: Uuid }, { additionalProperties: false }),
  body: Type.Object(
    { body: MomentBody, atMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }) },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const removeMoment = {
  tags: ["comment"],
  summary: "Delete one of the caller's moments (admins may delete any)",
  security,
  params: IdParams,
  response: accepted,
};
