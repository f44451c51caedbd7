/** Every view the sinks maintain, by name. */
import type { SearchEngine } from "../platform/search/engine.ts";
import type { ViewDefinition } from "./engine/index.ts";
import { artistView } from "./postgres/artist/view.ts";
import { authView } from "./postgres/auth/view.ts";
import { chatView } from "./postgres/chat/view.ts";
import { commentView } from "./postgres/comment/view.ts";
import { contentView } from "./postgres/content/view.ts";
import { feedbackView } from "./postgres/feedback/view.ts";
import { listeningView } from "./postgres/listening/view.ts";
import { momentsView } from "./postgres/moments/view.ts";
import { playlistsView } from "./postgres/playlists/view.ts";
import { type SearchViewOptions, searchView } from "./search/view.ts";

export const postgresViews: readonly ViewDefinition[] = [
  authView,
  artistView,
  contentView,
  commentView,
  momentsView,
  feedbackView,
  listeningView,
  playlistsView,
  chatView,
];

export const viewNames = [...postgresViews.map((v) => v.name), "search"] as const;

/** The views to run: the Postgres ones, and the search view when an engine is given. */
export function allViews(search?: SearchViewOptions & { engine: SearchEngine }): ViewDefinition[] {
  return search ? [...postgresViews, searchView(search)] : [...postgresViews];
}
