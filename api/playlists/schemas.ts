import { Type } from "@fastify/type-provider-typebox";
import { maxPlaylistEntries } from "../../processors/topologies/playlist-snapshots.ts";
import { Accepted, Name, responses, Uuid } from "../http/schemas.ts";

const tags = ["listening"];
const security = [{ bearer: [] }];
const accepted = responses({ 202: Accepted });

export const Visibility = Type.Union([Type.Literal("private"), Type.Literal("public")], {
  description: "private: only its owner sees it; public: anyone with its link",
});
const Position = Type.Integer({
  minimum: 0,
  maximum: maxPlaylistEntries,
  description: "0 is the top; past the end: at the end",
});

export const PlaylistParams = Type.Object({ playlistId: Uuid }, { additionalProperties: false });
const EntryParams = Type.Object(
  { playlistId: Uuid, entryId: Uuid },
  { additionalProperties: false },
);

export const create = {
  tags,
  summary: "Create a playlist (private unless said otherwise); the 202's id is the playlist's",
  security,
  body: Type.Object(
    { name: Name(100), visibility: Type.Optional(Visibility) },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const rename = {
  tags,
  summary: "Rename my playlist",
  security,
  params: PlaylistParams,
  body: Type.Object({ name: Name(100) }, { additionalProperties: false }),
  response: accepted,
};

export const visibility = {
  tags,
  summary: "Make my playlist public (anyone with its link sees it) or private",
  security,
  params: PlaylistParams,
  body: Type.Object({ visibility: Visibility }, { additionalProperties: false }),
  response: accepted,
};

export const remove = {
  tags,
  summary: "Delete my playlist (final)",
  security,
  params: PlaylistParams,
  response: accepted,
};

export const addTrack = {
  tags,
  summary: `Add a track to my playlist (at the end unless a position is given; at most ${maxPlaylistEntries}); the 202's id is the new entry's`,
  security,
  params: PlaylistParams,
  body: Type.Object(
    { trackId: Uuid, position: Type.Optional(Type.Union([Position, Type.Null()])) },
    { additionalProperties: false },
  ),
  response: accepted,
};

export const moveTrack = {
  tags,
  summary: "Move an entry of my playlist to another place",
  security,
  params: EntryParams,
  body: Type.Object({ position: Position }, { additionalProperties: false }),
  response: accepted,
};

export const removeTrack = {
  tags,
  summary: "Remove an entry from my playlist",
  security,
  params: EntryParams,
  response: accepted,
};
