/**
 * GET /api/content/posts/:id/detail: the post as the content view has it (with its artist's
 * name and comment count, both derived by the post-details topology, the one owner of that
 * join: docs/adr/018-derived-fact-owners.md) and the first page of its comments, fetched in
 * parallel through the service clients. The post is required (404 when there is none, 503
 * when content fails); a failed comment part is null and named in `degraded`, and the
 * answer is still 200.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { ApiError, notFound } from "../http/errors.ts";
import { ErrorReply, IdParams, responses } from "../http/schemas.ts";
import { requestTraceparent } from "../http/tracing.ts";
import { type ServiceClients, ServiceFailure, type ServiceResponse } from "./clients.ts";
import type { Service } from "./config.ts";
import { PostDetail } from "./schemas.ts";

type Part = "comment";
type DegradedPart = { service: Part; reason: ServiceFailure["reason"] };

export interface DetailOptions {
  clients: ServiceClients;
}

const detailRoutes: FastifyPluginAsyncTypebox<DetailOptions> = async (app, { clients }) => {
  app.get(
    "/api/content/posts/:id/detail",
    {
      schema: {
        tags: ["content", "gateway"],
        summary:
          "A post (with its artist's name and comment count) and its first page of comments (composed by the gateway; degraded parts are null and listed)",
        params: IdParams,
        querystring: Type.Object(
          {
            commentsLimit: Type.Optional(
              Type.String({ pattern: "^(?:[1-9][0-9]?|100)$", description: "1..100, default 20" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { ...responses({ 200: PostDetail }), 500: ErrorReply },
      },
    },
    async (req) => {
      const { id } = req.params;
      const headers: Record<string, string> = { "x-request-id": req.id };
      const traceparent = requestTraceparent(req);
      if (traceparent) headers.traceparent = traceparent;
      if (typeof req.headers.authorization === "string") {
        headers.authorization = req.headers.authorization;
      }
      const degraded: DegradedPart[] = [];
      /** A part's body, or null (a failure is recorded in degraded). */
      const part = async (service: Part, path: string) => {
        try {
          const res = await clients.get(service, path, headers);
          if (res.status === 200) return res.body;
          req.log.warn({ service, status: res.status }, "composition part refused");
          degraded.push({ service, reason: "unavailable" });
        } catch (error) {
          if (!(error instanceof ServiceFailure)) throw error;
          req.log.warn({ service, reason: error.reason, err: error }, "composition part failed");
          degraded.push({ service, reason: error.reason });
        }
        return null;
      };

      const limit = req.query.commentsLimit ?? "20";
      const comments = part("comment", `/api/comment/posts/${id}/comments?limit=${limit}`);
      const post = (await required("content", `/api/content/posts/${id}`)).body;
      const commentPage = await comments;
      if (degraded.length > 0) req.log.info({ degraded }, "degraded answer");
      return { post, comments: commentPage, degraded } as never;

      async function required(service: Service, path: string): Promise<ServiceResponse> {
        let res: ServiceResponse;
        try {
          res = await clients.get(service, path, headers);
        } catch (error) {
          if (!(error instanceof ServiceFailure)) throw error;
          throw new ApiError(
            503,
            "service_unavailable",
            `the ${service} service is unavailable (${error.reason}); retry later`,
          );
        }
        if (res.status === 200) return res;
        if (res.status === 404) throw notFound("post", id, "params.id");
        const given = (res.body as { error?: { code?: string; message?: string } } | null)?.error;
        throw new ApiError(
          res.status,
          given?.code ?? "upstream_refused",
          given?.message ?? `${service} answered ${res.status}`,
        );
      }
    },
  );
};

export default detailRoutes;
