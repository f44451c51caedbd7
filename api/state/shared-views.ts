/**
 * The views several plugins check against, built once per app and started on first use
 * (a plugin awaits the ones it needs while it registers, so the app is ready only when
 * they have read the log to its end).
 */

import { type CatalogState, createCatalogView } from "../artist/state.ts";
import { type ConversationsState, createConversationsView } from "../chat/state.ts";
import { createMomentsView, type MomentsState } from "../comment/moments-state.ts";
import { type CommentsState, createCommentsView } from "../comment/state.ts";
import { createPostsView, type PostsState } from "../content/state.ts";
import type { EventTypes } from "../events/event-types.ts";
import { createFeedbackView, type FeedbackState } from "../feedback/state.ts";
import type { TopicView, ViewSource } from "./topic-view.ts";

export interface SharedViews {
  catalog(): Promise<TopicView<CatalogState>>;
  posts(): Promise<TopicView<PostsState>>;
  comments(): Promise<TopicView<CommentsState>>;
  moments(): Promise<TopicView<MomentsState>>;
  feedback(): Promise<TopicView<FeedbackState>>;
  conversations(): Promise<TopicView<ConversationsState>>;
  close(): Promise<void>;
}

export function createSharedViews(source: ViewSource, types: EventTypes): SharedViews {
  const started: Array<Promise<TopicView<unknown>>> = [];
  const once = <S>(create: () => TopicView<S>) => {
    let view: Promise<TopicView<S>> | undefined;
    return () => {
      if (!view) {
        const created = create();
        view = created.start().then(() => created);
        started.push(view as Promise<TopicView<unknown>>);
      }
      return view;
    };
  };
  return {
    catalog: once(() => createCatalogView(source, types)),
    posts: once(() => createPostsView(source, types)),
    comments: once(() => createCommentsView(source, types)),
    moments: once(() => createMomentsView(source, types)),
    feedback: once(() => createFeedbackView(source, types)),
    conversations: once(() => createConversationsView(source, types)),
    async close() {
      const views = await Promise.allSettled(started);
      await Promise.all(views.map((v) => (v.status === "fulfilled" ? v.value.close() : undefined)));
    },
  };
}
