/**
 * Posts that exist now (not deleted), with their authors: the latest snapshot per post that
 * vobe-content-snapshots keeps (processors/topologies/content-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export interface PostRow {
  authorId: string;
  artistId: string | null;
  title: string;
  body: string;
}

export type PostsState = Map<string, PostRow>;

export function createPostsView(source: ViewSource, types: EventTypes): TopicView<PostsState> {
  const derived = {
    PostSnapshot: derivedType(types, generated.PostSnapshot),
  };
  return createDerivedView<PostsState>({
    name: "posts",
    topics: [derived.PostSnapshot.topic],
    inputs: [types.PostPublished.topic],
    application: applicationGroup(types, "content-snapshots"),
    source,
    initial: new Map(),
    onTombstone: (s, postId) => s.delete(postId),
  }).on(derived.PostSnapshot, (s, e) =>
    s.set(e.postId, { authorId: e.authorId, artistId: e.artistId, title: e.title, body: e.body }),
  );
}
