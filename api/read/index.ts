/**
 * The read API (docs/adr/012-read-apis.md): one plugin per service beside its write plugin,
 * under the same /api/<service> prefix, plus /api/search. Each reads only its own view.
 *
 *   await registerReads(app, { ctx, endpoints, topicPrefix, placement });
 */
import type { FastifyInstance } from "fastify";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import type { ApiContext } from "../context.ts";
import artistReads from "./artist.ts";
import authReads from "./auth.ts";
import chatReads from "./chat.ts";
import commentReads from "./comment.ts";
import contentReads from "./content.ts";
import type { ReadContext } from "./context.ts";
import feedbackReads from "./feedback.ts";
import listeningReads from "./listening.ts";
import searchReads from "./search.ts";
import { createReadViews, type ReadPlacement } from "./views.ts";

export { formatPosition } from "./positions.ts";
export type { ReadPlacement } from "./views.ts";

export async function registerReads(
  app: FastifyInstance,
  options: {
    ctx: ApiContext;
    endpoints: Endpoints;
    topicPrefix?: string;
    placement?: ReadPlacement;
  },
): Promise<void> {
  const placement = options.placement ?? {};
  const views = createReadViews(options.endpoints, {
    ...placement,
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
  });
  let engine: Promise<SearchEngine> | undefined;
  const reads: ReadContext = {
    ctx: options.ctx,
    views,
    placement,
    search() {
      if (!engine) {
        const connecting = connectSearch(options.endpoints);
        // A failed connection is not kept: the next request tries again.
        connecting.catch(() => {
          if (engine === connecting) engine = undefined;
        });
        engine = connecting;
      }
      return engine;
    },
  };
  app.addHook("onClose", async () => {
    await views.close();
    await (await engine?.catch(() => undefined))?.close();
  });

  const plugins = {
    auth: authReads,
    artist: artistReads,
    content: contentReads,
    comment: commentReads,
    feedback: feedbackReads,
    listening: listeningReads,
    chat: chatReads,
    search: searchReads,
  };
  for (const [service, plugin] of Object.entries(plugins)) {
    await app.register(plugin, { prefix: `/api/${service}`, reads });
  }
}
