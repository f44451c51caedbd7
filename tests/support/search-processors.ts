/**
 * The processors whose topics the search view reads, in-process under a test's topic
 * prefix, with their state in a temporary folder:
 *
 *   const processors = await startSearchProcessors(endpoints, run.topicPrefix);
 *   …
 *   await processors.stop();
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { startProcessors } from "../../processors/apps/index.ts";
import type { TopologyName } from "../../processors/topologies/index.ts";

/**
 * The topologies that write what the search view indexes: the documents and post details
 * read the entities' snapshots, post-details the comment counts too.
 */
export const searchTopologies: readonly TopologyName[] = [
  "catalog-snapshots",
  "content-snapshots",
  "track-documents",
  "album-documents",
  "post-comment-counts",
  "post-details",
];

/** The topics they read and write, as in the catalog (without the prefix). */
export const searchProcessorTopics = [
  "artist.artists",
  "artist.albums",
  "artist.tracks",
  "content.posts",
  "comment.comments",
  "comment.post-comment-counts",
  "content.post-details",
  "search.track-documents",
  "search.album-documents",
  "artist.artist-snapshots",
  "artist.album-snapshots",
  "artist.track-snapshots",
  "content.post-snapshots",
  "comment.comment-snapshots",
] as const;

export async function startSearchProcessors(
  endpoints: Endpoints,
  topicPrefix: string,
  only: readonly TopologyName[] = searchTopologies,
): Promise<{ stop(): Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-search-processors-"));
  try {
    const running = await startProcessors({
      brokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      prefix: topicPrefix,
      stateDir,
      instanceId: `test-${randomUUID().slice(0, 8)}`,
      only,
    });
    return {
      async stop() {
        try {
          await running.stop();
        } finally {
          rmSync(stateDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}
