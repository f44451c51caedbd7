/** Posts that exist now (not deleted), with their authors: content.posts folded. */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

export interface PostRow {
  authorId: string;
  artistId: string | null;
  title: string;
  body: string;
}

export type PostsState = Map<string, PostRow>;

export function createPostsView(source: ViewSource, types: EventTypes): TopicView<PostsState> {
  return createTopicView<PostsState>({
    name: "posts",
    topics: [types.PostPublished.topic],
    source,
    initial: new Map(),
  })
    .on(types.PostPublished, (s, e) =>
      s.set(e.postId, { authorId: e.authorId, artistId: e.artistId, title: e.title, body: e.body }),
    )
    .on(types.PostEdited, (s, e) => {
      const post = s.get(e.postId);
      if (post) Object.assign(post, { title: e.title, body: e.body });
    })
    .on(types.PostDeleted, (s, e) => s.delete(e.postId));
}
