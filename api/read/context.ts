/** What the read plugins get: the write API's context (auth), the views, the engine. */
import type { SearchEngine } from "../../platform/search/engine.ts";
import type { ApiContext } from "../context.ts";
import type { ReadPlacement, ReadViews } from "./views.ts";

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
