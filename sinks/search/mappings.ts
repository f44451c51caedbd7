/**
 * Index definitions of the search view, plain query-DSL JSON that OpenSearch 2 and
 * Elasticsearch 8 both accept (ADR-006): names in several languages are analyzed with
 * the standard tokenizer + lowercase + asciifolding ("Björk" finds "bjork", "Мумий
 * Тролль" finds "мумий"), a `.prefix` subfield with edge n-grams answers search-as-you-type,
 * and a `suggest` completion field answers the suggester.
 */
import type { IndexDefinition } from "../../platform/search/engine.ts";
import type { SearchIndex } from "./contract.ts";

export const analysis = {
  filter: {
    name_edge: { type: "edge_ngram", min_gram: 1, max_gram: 20 },
  },
  analyzer: {
    name: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] },
    name_prefix: {
      type: "custom",
      tokenizer: "standard",
      filter: ["lowercase", "asciifolding", "name_edge"],
    },
  },
} as const;

/** A name or title: full words, prefixes, and the exact value for sorting and terms. */
const name = {
  type: "text",
  analyzer: "name",
  fields: {
    prefix: { type: "text", analyzer: "name_prefix", search_analyzer: "name" },
    keyword: { type: "keyword", ignore_above: 256 },
  },
} as const;

const suggest = { type: "completion", analyzer: "name", max_input_length: 100 } as const;
const id = { type: "keyword" } as const;

const definition = (properties: Record<string, unknown>): IndexDefinition => ({
  settings: { number_of_shards: 1, number_of_replicas: 0, analysis },
  mappings: { dynamic: "strict", properties },
});

/** Field by field what contract.ts's documents hold; strict, so a field no mapping knows fails. */
export const indexDefinitions: Record<SearchIndex, IndexDefinition> = {
  tracks: definition({
    track_id: id,
    title: name,
    track_number: { type: "integer" },
    duration_ms: { type: "integer" },
    explicit: { type: "boolean" },
    genre: { type: "keyword" },
    genres: { type: "keyword" },
    album_id: id,
    album_title: name,
    release_date: { type: "date", format: "yyyy-MM-dd" },
    artist_id: id,
    artist_name: name,
    artist_country: { type: "keyword" },
    suggest,
  }),
  artists: definition({
    artist_id: id,
    name,
    country: { type: "keyword" },
    genres: { type: "keyword" },
    bio: { type: "text", analyzer: "name" },
    suggest,
  }),
  albums: definition({
    album_id: id,
    title: name,
    artist_id: id,
    artist_name: name,
    genre: { type: "keyword" },
    release_date: { type: "date", format: "yyyy-MM-dd" },
    suggest,
  }),
  posts: definition({
    post_id: id,
    author_id: id,
    artist_id: id,
    artist_name: name,
    title: name,
    body: { type: "text", analyzer: "name" },
    published_at: { type: "date" },
    comments: { type: "long" },
  }),
};
