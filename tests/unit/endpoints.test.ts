import { describe, expect, it } from "vitest";
import {
  allEndpointsInEnv,
  databaseUrlFor,
  endpointsFromEnv,
  nativeStackEndpoints,
} from "../../platform/config/endpoints.ts";

describe("endpoints", () => {
  it("fall back to the native stack when no variable is set", () => {
    expect(endpointsFromEnv({})).toEqual(nativeStackEndpoints());
    expect(allEndpointsInEnv({})).toBe(false);
  });

  it("come from the environment variables when set", () => {
    const env = {
      KAFKA_BROKERS: "k1:9092, k2:9092",
      SCHEMA_REGISTRY_URL: "http://sr:8081",
      DATABASE_URL: "postgres://u:p@db:5432/postgres",
      SEARCH_URL: "http://es:9200",
      SEARCH_ENGINE: "elasticsearch",
    };
    expect(endpointsFromEnv(env)).toEqual({
      kafkaBrokers: ["k1:9092", "k2:9092"],
      schemaRegistryUrl: "http://sr:8081",
      databaseUrl: "postgres://u:p@db:5432/postgres",
      searchUrl: "http://es:9200",
      searchEngine: "elasticsearch",
    });
    expect(allEndpointsInEnv(env)).toBe(true);
  });

  it("refuse an unknown search engine with a message naming the variable", () => {
    expect(() => endpointsFromEnv({ SEARCH_ENGINE: "solr" })).toThrow(/SEARCH_ENGINE=solr/);
  });

  it("give each service its own database on the same server", () => {
    const endpoints = endpointsFromEnv({
      DATABASE_URL: "postgres://u:p@db:5432/postgres?sslmode=disable",
    });
    expect(databaseUrlFor(endpoints, "comment")).toBe(
      "postgres://u:p@db:5432/comment?sslmode=disable",
    );
  });
});
