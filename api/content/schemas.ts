import { Type } from "@fastify/type-provider-typebox";
import { Accepted, IdParams, Name, responses, Text, Uuid } from "../http/schemas.ts";

const security = [{ bearer: [] }];
const accepted = responses({ 202: Accepted });

export const publish = {
  tags: ["content"],
  summary: "Publish a post, personally or for an artist the caller manages",
  security,
  body: Type.Object(
    { title: Name(200), body: Text(20_000), artistId: Type.Optional(Uuid) },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const edit = {
  tags: ["content"],
  summary: "Edit one of the caller's posts",
  security,
  params: IdParams,
  body: Type.Object(
    { title: Type.Optional(Name(200)), body: Type.Optional(Text(20_000)) },
    { additionalProperties: false, minProperties: 1 },
  ),
  response: accepted,
};

export const remove = {
  tags: ["content"],
  summary: "Delete one of the caller's posts (admins may delete any)",
  security,
  params: IdParams,
  response: accepted,
};
