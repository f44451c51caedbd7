/**
 * Likes per track and who likes what: from listening.likes (keyed by track, so a track's
 * likes are in one partition, in order, and nothing is repartitioned), the latest like
 * state per (track, user), and from its changes both facts:
 *
 *   listening.likes ─▶ latest state per (track, user) ─┬▶ count per track ─▶ listening.track-like-counts
 *                                                      └▶ (track, user) likes since ─▶ listening.user-likes
 *
 * A like of a track already liked, or an unlike of a track not liked, changes nothing and
 * writes nothing: a second like neither counts twice nor moves the first like's time (a
 * library ordered by it keeps its order). A track that was never liked has no record
 * (zero); a withdrawn like is a tombstone of its (track, user) key.
 */
import {
  type TrackLikeCount,
  TrackLikeCount as TrackLikeCountType,
  TrackLiked,
  TrackUnliked,
  type UserTrackLike,
  UserTrackLike as UserTrackLikeType,
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

/** A change of one listener's like of a track, with the track's count after it. */
interface LikeChange {
  trackId: string;
  userId: string;
  liked: boolean;
  likes: number;
  /** Event time of the change (a like's: when the listener started liking the track). */
  at: number;
}

/** The key of listening.user-likes: one per track and listener. */
export const userLikeKey = (trackId: string, userId: string) => `${trackId}/${userId}`;

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
  const changes = builder
    .stream<string, DecodedEvent>(serdes.topic(TrackLiked), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([TrackLiked, TrackUnliked]),
      name: "likes-source",
    })
    .process<string, LikeChange>(
      () => {
        let likers: KeyValueStore<string, number>;
        let counts: KeyValueStore<string, number>;
        let forward: (record: StreamRecord<string, LikeChange>) => void;
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
            forward({
              ...record,
              key: trackId,
              value: {
                trackId,
                userId: event.userId,
                liked: like !== null,
                likes,
                at: record.timestamp,
              },
            });
          },
        };
      },
      [trackLikeStores.likers, trackLikeStores.counts],
      { name: "likes-per-track" },
    );
  const counts = changes.mapValues((change) => change.likes, { name: "like-counts" });
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
  // A withdrawn like is a null value: toDerived writes it as the key's tombstone.
  const likers = changes.map<string, LikeChange>(
    (trackId, change) => [
      userLikeKey(trackId, change.userId),
      (change.liked ? change : null) as LikeChange,
    ],
    { name: "user-like-changes" },
  );
  toDerived<string, LikeChange, UserTrackLike>(
    likers,
    UserTrackLikeType,
    (_key, change) => ({
      trackId: change.trackId,
      userId: change.userId,
      likedAt: new Date(change.at),
    }),
    "user-likes-records",
  ).to(serdes.topic(UserTrackLikeType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(UserTrackLikeType),
    name: "user-likes-sink",
  });
  return builder.build();
}
