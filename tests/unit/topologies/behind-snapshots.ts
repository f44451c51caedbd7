/**
 * Runs a topology behind the snapshot topologies, as it is deployed: a raw entity event
 * goes through catalog-snapshots or content-snapshots (each under its own driver), and the
 * snapshot records that it makes them write are piped on, in order and with their event
 * times, into the topology under test. A test then states its history in raw events, and
 * the topology meets the entities exactly as their one owner decided them.
 *
 *   const feed = behindSnapshots(serdes, driver, [ArtistSnapshot]);
 *   const artists = feed.input("artist.artists", [ArtistCreated, ArtistUpdated, ArtistDeleted]);
 *   artists.pipeInput(artistId, { type: ArtistCreated.name, value }, at);
 *   …
 *   feed.close();
 */
import {
  Serdes,
  type TestInputTopic,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";
import type { AvroSerdes, DecodedEvent } from "../../../processors/serdes/avro.ts";
import { catalogSnapshotsTopology } from "../../../processors/topologies/catalog-snapshots.ts";
import { contentSnapshotsTopology } from "../../../processors/topologies/content-snapshots.ts";
import type { EventType } from "../../../schemas/event-type.ts";

type Owner = "catalog" | "content";

/** Which snapshot topology owns the entities of a raw topic. */
const ownerOf = (topic: string): Owner => (topic.startsWith("artist.") ? "catalog" : "content");

export function behindSnapshots(
  serdes: AvroSerdes,
  downstream: TopologyTestDriver,
  /** The snapshot types the topology under test reads. */
  snapshots: readonly EventType<unknown>[],
) {
  const owners = {
    catalog: new TopologyTestDriver(catalogSnapshotsTopology({ serdes })),
    content: new TopologyTestDriver(contentSnapshotsTopology({ serdes })),
  };
  const links = snapshots.map((type) => {
    const serde = serdes.derived(type);
    return {
      topic: type.topic,
      from: owners[ownerOf(type.topic)].createOutputTopic(type.topic, Serdes.string(), serde),
      to: downstream.createInputTopic(type.topic, Serdes.string(), serde),
    };
  });
  /** Per snapshot topic, the entities that exist (as a compacted topic ends up holding them). */
  const existing = new Map(links.map((l) => [l.topic, new Map<string, unknown>()]));
  const forward = () => {
    for (const { topic, from, to } of links) {
      for (const r of from.readRecordsToList()) {
        if (r.key === null) continue;
        if (r.value === null) existing.get(topic)?.delete(r.key);
        else existing.get(topic)?.set(r.key, r.value);
        to.pipeInput(r.key, r.value, r.timestamp);
      }
    }
  };
  return {
    /** What the owner says exists now: the latest snapshot of every entity not deleted. */
    existing<T>(type: EventType<T>): ReadonlyMap<string, T> {
      return (existing.get(type.topic) ?? new Map()) as ReadonlyMap<string, T>;
    },
    /** A raw entity topic: what is piped in reaches the topology as snapshots. */
    input(
      topic: string,
      types: readonly EventType<unknown>[],
    ): Pick<TestInputTopic<string, DecodedEvent>, "pipeInput"> {
      const raw = owners[ownerOf(topic)].createInputTopic(
        topic,
        Serdes.string(),
        serdes.events(types),
      );
      return {
        pipeInput(key, value, timestamp) {
          raw.pipeInput(key, value, timestamp);
          forward();
        },
      };
    },
    close() {
      owners.catalog.close();
      owners.content.close();
    },
  };
}
