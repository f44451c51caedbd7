/**
 * What the read routes get: the write API's context (auth), the views, the search engine.
 * Made once per app (api/app.ts) and handed to every service plugin, which registers its
 * reads (api/<service>/reads.ts) beside its commands (docs/adr/012-read-apis.md).
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import type { ApiContext } from "../context.ts";
import { createReadViews, type ReadPlacement, type ReadViews } from "./views.ts";

export interface ReadContext {
  ctx: ApiContext;
  views: ReadViews;
  placement: ReadPlacement;
  /** The search engine, connected on first use (a refused connection is retried next time). */
  search(): Promise<SearchEngine>;
}

export interface ReadPluginOptions {
  reads: ReadContext;
}

export function createReadContext(options: {
  ctx: ApiContext;
  endpoints: Endpoints;
  topicPrefix?: string;
  placement?: ReadPlacement;
}): ReadContext & { close(): Promise<void> } {
  const placement = options.placement ?? {};
  const views = createReadViews(options.endpoints, {
    ...placement,
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
  });
  let engine: Promise<SearchEngine> | undefined;
  return {
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
    async close() {
      await views.close();
      await (await engine?.catch(() => undefined))?.close();
    },
  };
}
