/**
 * Likes per track: how many listeners' latest like event for the track is a like, from
 * listening.likes (keyed by track, so a track's likes are in one partition, in order, and
 * nothing is repartitioned).
 *
 *   listening.likes ─▶ latest state per (track, user) ─▶ count per track, when it changes ─▶ listening.track-like-counts
 *
 * A like of a track already liked, or an unlike of a track not liked, changes nothing and
 * writes nothing; a track that was never liked has no record (zero).
 */
import {
  type TrackLikeCount,
  TrackLikeCount as TrackLikeCountType,
  TrackLiked,
  TrackUnliked,
} from "../../schemas/generated/index.ts";
import {
  type KeyValueStore,
  Serdes,
  Stores,
  type StreamRecord,
  StreamsBuilder,
  type Topology,
} from "../engine/index.ts";
import { type DecodedEvent, eventValue } from "../serdes/avro.ts";
import { type TopologyOptions, toDerived } from "./common.ts";

export const trackLikeStores = {
  /** Key-value: `<trackId>/<userId>` → 1 while the user likes the track (absent otherwise). */
  likers: "track-likers",
  /** Key-value: trackId → listeners who like it. */
  counts: "track-like-counts",
} as const;

export function trackLikeCountsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  builder.addStateStore(
    Stores.keyValue<string, number>(trackLikeStores.likers, {
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
      persistent: true,
    }),
  );
  builder.addStateStore(
    Stores.keyValue<string, number>(trackLikeStores.counts, {
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
    }),
  );
  const counts = builder
    .stream<string, DecodedEvent>(serdes.topic(TrackLiked), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([TrackLiked, TrackUnliked]),
      name: "likes-source",
    })
    .process<string, number>(
      () => {
        let likers: KeyValueStore<string, number>;
        let counts: KeyValueStore<string, number>;
        let forward: (record: StreamRecord<string, number>) => void;
        return {
          init(context) {
            likers = context.getStateStore(trackLikeStores.likers);
            counts = context.getStateStore(trackLikeStores.counts);
            forward = (record) => context.forward(record);
          },
          process(record) {
            const like = eventValue(record.value, TrackLiked);
            const unlike = like ? null : eventValue(record.value, TrackUnliked);
            const event = like ?? unlike;
            if (!event) return;
            const trackId = record.key ?? event.trackId;
            const liker = `${trackId}/${event.userId}`;
            const liked = likers.get(liker) !== undefined;
            if (liked === (like !== null)) return;
            if (like) likers.put(liker, 1);
            else likers.delete(liker);
            const likes = (counts.get(trackId) ?? 0) + (like ? 1 : -1);
            counts.put(trackId, likes);
            forward({ ...record, key: trackId, value: likes });
          },
        };
      },
      [trackLikeStores.likers, trackLikeStores.counts],
      { name: "likes-per-track" },
    );
  toDerived<string, number, TrackLikeCount>(
    counts,
    TrackLikeCountType,
    (trackId, likes) => ({ trackId, likes }),
    "track-like-counts-records",
  ).to(serdes.topic(TrackLikeCountType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(TrackLikeCountType),
    name: "track-like-counts-sink",
  });
  return builder.build();
}
