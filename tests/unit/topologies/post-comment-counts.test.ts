import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  postCommentCountsStores,
  postCommentCountsTopology,
} from "../../../processors/topologies/post-comment-counts.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  CommentSnapshot,
  PostCommentCount,
} from "../../../schemas/generated/index.ts";
import { behindSnapshots } from "./behind-snapshots.ts";

const types = [CommentAdded, CommentEdited, CommentDeleted];
const p1 = randomUUID();
const p2 = randomUUID();
const author = randomUUID();

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
let feed: ReturnType<typeof behindSnapshots> | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([...types, CommentSnapshot, PostCommentCount]);
});
afterEach(() => {
  feed?.close();
  driver?.close();
});

/** Behind content-snapshots: the tests speak in raw comment events. */
function start() {
  driver = new TopologyTestDriver(postCommentCountsTopology({ serdes }));
  feed = behindSnapshots(serdes, driver, [CommentSnapshot]);
  const input = feed.input("comment.comments", types);
  const out = driver.createOutputTopic(
    "comment.post-comment-counts",
    Serdes.string(),
    serdes.derived(PostCommentCount),
  );
  let clock = Date.UTC(2026, 0, 5);
  const send = <T>(type: EventType<T>, commentId: string, fields: object) => {
    clock += 1_000;
    input.pipeInput(
      commentId,
      {
        type: type.name,
        value: {
          eventId: randomUUID(),
          occurredAt: new Date(clock),
          actor: { userId: author, role: "listener" },
          commentId,
          authorId: author,
          ...fields,
        },
      },
      clock,
    );
  };
  const add = (commentId: string, postId: string) =>
    send(CommentAdded, commentId, { postId, body: "nice", parentCommentId: null });
  const edit = (commentId: string, postId: string) =>
    send(CommentEdited, commentId, { postId, body: "edited" });
  const remove = (commentId: string, postId: string) => send(CommentDeleted, commentId, { postId });
  const counts = () => out.readKeyValuesToList().map(([k, v]) => [k, v?.comments]);
  return { driver, add, edit, remove, counts };
}

describe("comments per post", () => {
  it("counts added comments per post, replies included", () => {
    const { add, counts } = start();
    const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
    add(c1, p1);
    add(c2, p1);
    add(c3, p2);
    expect(counts()).toEqual([
      [p1, 1],
      [p1, 2],
      [p2, 1],
    ]);
  });

  it("counts a comment under the post its snapshot names, known post or not, moved or not", () => {
    const { add, counts } = start();
    const [c1] = [randomUUID()];
    const unknown = randomUUID(); // no post was published: the count is the post's anyway
    add(c1, unknown);
    // A second CommentAdded moves the comment in its snapshot: the count follows it.
    add(c1, p2);
    expect(counts()).toEqual([
      [unknown, 1],
      [unknown, 0],
      [p2, 1],
    ]);
  });

  it("does not count edits, not even transiently", () => {
    const { add, edit, counts, driver } = start();
    const [c1, c2] = [randomUUID(), randomUUID()];
    add(c1, p1);
    add(c2, p1);
    counts();
    edit(c1, p1);
    edit(c1, p1);
    edit(c2, p1);
    expect(counts()).toEqual([]);
    expect(driver.getKeyValueStore<string, number>(postCommentCountsStores.counts).get(p1)).toBe(2);
  });

  it("subtracts deleted comments, once, and ignores a deleted comment's later events", () => {
    const { add, edit, remove, counts } = start();
    const [c1, c2] = [randomUUID(), randomUUID()];
    add(c1, p1);
    add(c2, p1);
    remove(c1, p1);
    remove(c1, p1); // a duplicate delete
    edit(c1, p1); // an edit racing the delete
    add(c1, p1); // a replayed add of a deleted comment
    remove(c2, p1);
    expect(counts()).toEqual([
      [p1, 1],
      [p1, 2],
      [p1, 1],
      [p1, 0],
    ]);
  });
});
