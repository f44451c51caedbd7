/**
 * Comments per post: how many comments of each post exist now. Whether a comment exists,
 * and on which post, is vobe-content-snapshots' (snapshots.ts): a comment is counted
 * while comment.comment-snapshots holds it, under the post it names there, so the count
 * cannot disagree with the comment's own state (a second CommentAdded, an edit or a
 * re-add after a delete mean here exactly what they mean there).
 *
 *   comment.comment-snapshots ─▶ counted under (by commentId) ─▶ ±1 by postId ─▶ sum ─▶ comment.post-comment-counts
 *   (written by vobe-content-snapshots from comment.comments)
 *
 * A table aggregation in effect (a comment's change subtracts it from its old post and
 * adds it to its new one; a tombstone subtracts it), written as +1/−1 per post because
 * the engine's KTable.groupBy sends every update as a subtract and an add, two records:
 * an edit (a new snapshot, same post) would write a transient n−1 to the output before
 * n. Kafka Streams sends both halves as one record when the group does not change
 * (KIP-904), and a table of the projected postId would drop the edit as a no-op
 * (KIP-557); the engine does neither yet. `counted` remembers the post each existing
 * comment is counted under, so a snapshot that does not change it (an edit, a repeated
 * snapshot) changes no count and writes nothing.
 */
import {
  CommentSnapshot,
  type PostCommentCount,
  PostCommentCount as PostCommentCountType,
} from "../../schemas/generated/index.ts";
import {
  type KeyValueStore,
  Serdes,
  Stores,
  type StreamRecord,
  StreamsBuilder,
  type Topology,
} from "../engine/index.ts";
import { type TopologyOptions, toDerived } from "./common.ts";

export const postCommentCountsStores = {
  /** Key-value: commentId → the post it is counted under, while the comment exists. */
  counted: "comments-counted",
  /** Key-value: postId → comments (not v1's "post-comment-counts", a count of raw events). */
  counts: "comments-per-post",
} as const;

export function postCommentCountsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  builder.addStateStore(
    Stores.keyValue<string, string>(postCommentCountsStores.counted, {
      keySerde: Serdes.string(),
      valueSerde: Serdes.string(),
    }),
  );
  const counts = builder
    .stream<string, CommentSnapshot | null>(serdes.topic(CommentSnapshot), {
      keySerde: Serdes.string(),
      valueSerde: serdes.derived(CommentSnapshot),
      name: "comment-snapshots-source",
      timestampExtractor: (_key, comment, recordTimestamp) =>
        comment?.occurredAt instanceof Date ? comment.occurredAt.getTime() : recordTimestamp,
    })
    .process<string, number>(
      () => {
        let counted: KeyValueStore<string, string>;
        let forward: (record: StreamRecord<string, number>) => void;
        return {
          init(context) {
            counted = context.getStateStore(postCommentCountsStores.counted);
            forward = (record) => context.forward(record);
          },
          process(record) {
            if (record.key === null) return;
            const before = counted.get(record.key);
            const after = record.value?.postId;
            if (before === after) return;
            if (before !== undefined) forward({ ...record, key: before, value: -1 });
            if (after === undefined) counted.delete(record.key);
            else {
              counted.put(record.key, after);
              forward({ ...record, key: after, value: 1 });
            }
          },
        };
      },
      [postCommentCountsStores.counted],
      { name: "comments-counted" },
    )
    .groupByKey({
      name: "comment-changes-by-post",
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
    })
    .reduce((comments, change) => comments + change, { name: postCommentCountsStores.counts });
  toDerived<string, number, PostCommentCount>(
    counts.toStream({ name: "post-comment-counts-changes" }),
    PostCommentCountType,
    (postId, comments) => ({ postId, comments }),
    "post-comment-counts-records",
  ).to(serdes.topic(PostCommentCountType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(PostCommentCountType),
    name: "post-comment-counts-sink",
  });
  return builder.build();
}
