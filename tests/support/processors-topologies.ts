/**
 * Topologies for the processors' isolation tests (a `topologyModule`): the real
 * plays-per-track, and "blocker", whose thread spins for as many milliseconds as a
 * record on `<prefix>test.blocker` says: a stand-in for an app whose per-record cost
 * has run away (issue 11), with a loop no heartbeat can get through.
 */
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { topologies as music, type TopologyDefinition } from "../../processors/topologies/index.ts";

export const blockerTopic = (prefix: string) => `${prefix}test.blocker`;

export const topologies: Record<string, TopologyDefinition> = {
  "plays-per-track": music["plays-per-track"],
  blocker: {
    description: "spins for the number of milliseconds each record says",
    reads: [],
    writes: [],
    build: ({ serdes }) => {
      const builder = new StreamsBuilder();
      builder
        .stream<string, string>(blockerTopic(serdes.prefix), {
          keySerde: Serdes.string(),
          valueSerde: Serdes.string(),
        })
        .foreach((_key, value) => {
          const until = Date.now() + Number(value);
          while (Date.now() < until) {
            // Busy on purpose: the thread's event loop never gets a turn.
          }
        });
      return builder.build();
    },
  },
};
