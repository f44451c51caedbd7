/**
 * Posts that exist now (not deleted), with their authors: the latest snapshot per post that
 * vobe-content-snapshots keeps (processors/topologies/content-snapshots.ts).
 */
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView } from "./derived-view.ts";
import type { TopicView, ViewSource } from "./topic-view.ts";

export interface PostRow {
  authorId: string;
  artistId: string | null;
  title: string;
  body: string;
}

export type PostsState = Map<string, PostRow>;

export function createPostsView(source: ViewSource, types: EventTypes): TopicView<PostsState> {
  return createDerivedView<PostsState>({
    name: "posts",
    topics: [types.PostSnapshot.topic],
    inputs: [types.PostPublished.topic],
    application: applicationGroup(types, "content-snapshots"),
    source,
    initial: new Map(),
    onTombstone: (s, postId) => s.delete(postId),
  }).on(types.PostSnapshot, (s, e) =>
    s.set(e.postId, { authorId: e.authorId, artistId: e.artistId, title: e.title, body: e.body }),
  );
}
