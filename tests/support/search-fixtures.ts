import type { IndexDefinition, SearchRequest } from "../../platform/search/engine.ts";

/** A small index for the contract tests; the real mappings live with the search sinks. */
export const smokeTrackIndex: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    dynamic: "strict",
    properties: {
      title: { type: "text" },
      artist: { type: "text" },
      plays: { type: "long" },
    },
  },
};

export function trackSearch(text: string): SearchRequest {
  return {
    query: { multi_match: { query: text, fields: ["title^2", "artist"] } },
    highlight: { fields: { title: {}, artist: {} } },
  };
}
