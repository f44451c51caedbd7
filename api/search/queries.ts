/**
 * The queries the search routes send through the aliases (`tracks`, `artists`, …): one
 * shape for both engines, over the fields and subfields of sinks/search/mappings.ts
 * (`title.prefix` is the edge-n-gram subfield, `suggest` the completion field).
 */
import type { SearchRequest } from "../../platform/search/engine.ts";

/** Full words score above prefixes; titles above album and artist names. */
export function trackQuery(text: string, size = 20): SearchRequest {
  return {
    size,
    query: {
      multi_match: {
        query: text,
        type: "most_fields",
        fields: [
          "title^3",
          "title.prefix",
          "artist_name^2",
          "artist_name.prefix",
          "album_title",
          "album_title.prefix",
        ],
      },
    },
    highlight: { fields: { title: {}, artist_name: {}, album_title: {} } },
  };
}

export function nameQuery(field: "name" | "title", text: string, size = 20): SearchRequest {
  return {
    size,
    query: {
      multi_match: { query: text, type: "most_fields", fields: [`${field}^3`, `${field}.prefix`] },
    },
  };
}

export function suggestQuery(text: string, size = 5): SearchRequest {
  return {
    size: 0,
    suggest: {
      names: { prefix: text, completion: { field: "suggest", size, skip_duplicates: true } },
    },
  };
}
