/**
 * The platform's service objectives, the one place they are stated in code. The README
 * shows them, observability/prometheus/rules/ measures and alerts on them, and
 * tests/unit/observability-rules.test.ts keeps the three in agreement.
 *
 * A view's objective: that share of the records accepted into its topics is readable in
 * the view within `seconds` of the write being accepted (the record's timestamp), as
 * vobe_view_apply_latency_seconds measures it at the sink's commit. `seconds` must be one
 * of that histogram's bucket bounds (sinks/engine/metrics.ts).
 *
 * A route's objective: that share of its answers within `seconds` (of
 * vobe_http_request_duration_seconds, also a bucket bound) and 99.9% of them not 5xx.
 */
export interface ViewObjective {
  view: string;
  /** Share of records, 0..1. */
  target: number;
  seconds: number;
  why: string;
}

export const viewObjectives: readonly ViewObjective[] = [
  { view: "auth", target: 0.99, seconds: 1, why: "a sign-up signs in at once" },
  { view: "artist", target: 0.99, seconds: 1, why: "an edit shows on the next page load" },
  { view: "content", target: 0.99, seconds: 1, why: "a new post is in its author's feed" },
  { view: "comment", target: 0.99, seconds: 1, why: "a comment shows under its post" },
  { view: "feedback", target: 0.99, seconds: 1, why: "a like shows as liked" },
  { view: "chat", target: 0.99, seconds: 1, why: "a message reaches the conversation" },
  { view: "moments", target: 0.99, seconds: 1, why: "a moment shows on its track as it plays" },
  { view: "playlists", target: 0.99, seconds: 1, why: "a track added shows in the playlist" },
  {
    view: "listening",
    target: 0.99,
    seconds: 2.5,
    why: "counts go through a streams application and its commit interval first",
  },
  {
    view: "search",
    target: 0.99,
    seconds: 2.5,
    why: "documents are derived by a streams application, then indexed and refreshed",
  },
];

export interface RouteObjective {
  /** Which routes: a regular expression over the route template, and the methods. */
  routes: string;
  methods: string;
  target: number;
  seconds: number;
  name: string;
}

/** First match wins: the exceptions come before the defaults. */
export const routeObjectives: readonly RouteObjective[] = [
  {
    name: "audio uploads",
    routes: "/api/artist/.*audio.*",
    methods: "POST|PUT",
    target: 0.99,
    seconds: 10,
  },
  { name: "search", routes: "/api/search/.*", methods: "GET", target: 0.99, seconds: 0.5 },
  { name: "reads", routes: "/api/.*", methods: "GET", target: 0.99, seconds: 0.25 },
  {
    name: "commands",
    routes: "/api/.*",
    methods: "POST|PUT|PATCH|DELETE",
    target: 0.99,
    seconds: 0.5,
  },
];

/** Long-lived streams (server-sent events) have no latency: left out of the objectives. */
export const routesWithoutObjective = "/api/live/.*";

/** Share of a route's answers that may be 5xx. */
export const routeErrorBudget = 0.001;
