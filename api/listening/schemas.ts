import { Type } from "@fastify/type-provider-typebox";
import { Accepted, responses, Uuid } from "../http/schemas.ts";

const security = [{ bearer: [] }];
const day = 86_400_000;

export const maxPlaysPerBatch = 500;

export const plays = {
  tags: ["listening"],
  summary: "Report plays (1..500): one TrackPlayed each, written all or none",
  security,
  body: Type.Object(
    {
      plays: Type.Array(
        Type.Object(
          {
            trackId: Uuid,
            listenedMs: Type.Integer({ minimum: 0, maximum: day }),
            trackDurationMs: Type.Integer({ minimum: 1, maximum: day }),
            playedAt: Type.Optional(
              Type.String({
                format: "date-time",
                description:
                  "When the play started (default: now); at most 30 days ago and 60 s ahead, else 400 invalid_play naming the field",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: maxPlaysPerBatch },
      ),
    },
    { additionalProperties: false },
  ),
  response: responses({
    202: Type.Object({ plays: Type.Array(Accepted) }, { additionalProperties: false }),
  }),
};

const TrackParams = Type.Object({ trackId: Uuid }, { additionalProperties: false });

export const like = {
  tags: ["listening"],
  summary: "Like a track",
  security,
  params: TrackParams,
  response: responses({ 202: Accepted }),
};

export const unlike = {
  tags: ["listening"],
  summary: "Withdraw a like",
  security,
  params: TrackParams,
  response: responses({ 202: Accepted }),
};
