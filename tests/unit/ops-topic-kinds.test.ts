import { describe, expect, it } from "vitest";
import { classifyTopic } from "../../ops/catalog/topic-kinds.ts";
import { catalog } from "../../schemas/catalog.ts";

describe("topic kinds", () => {
  it("every catalog topic is a domain topic; derived ones say so", () => {
    for (const t of catalog)
      expect(classifyTopic(t.name)).toMatchObject({ kind: "domain", derived: t.derived });
  });

  it.each([
    ["__consumer_offsets", "kafka"],
    ["__transaction_state", "kafka"],
    ["_schemas_journal", "registry"],
    ["_schemas_snapshots", "registry"],
    ["registry-events", "registry"],
    ["listening-dlq", "dead-letter"],
    ["vobe-plays-per-track-dlq", "dead-letter"],
    ["vobe-plays-per-track-play-ids-changelog", "changelog"],
    ["vobe-post-details-post-artist-subscription-store-changelog", "changelog"],
    ["vobe-trending-tracks-trending-by-list-repartition", "repartition"],
    ["vobe-post-details-post-artist-subscription-registration-topic", "subscription"],
    ["vobe-post-details-post-artist-subscription-response-topic", "subscription"],
    ["_confluent-ksql-vobemusic__command_topic", "ksqldb"],
    ["vobemusic_ksql_processing_log", "ksqldb"],
    ["connect-offsets", "connect"],
    ["listening.plays-but-not", "unknown"],
  ])("%s is %s", (name, kind) => {
    expect(classifyTopic(name).kind).toBe(kind);
  });

  it("a prefixed catalog's topics are domain only under their prefix", () => {
    expect(classifyTopic("test.x.listening.plays", { prefix: "test.x." }).kind).toBe("domain");
    expect(classifyTopic("test.x.listening.plays").kind).toBe("unknown");
  });
});
