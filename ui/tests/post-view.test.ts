import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import PostView from "../src/views/PostView.vue";
import { answer, plugins } from "./setup.ts";

const post = {
  postId: "p1",
  authorId: "a1",
  artistId: null,
  artistName: null,
  title: "Night drives",
  body: "<script>window.x=1</script> **not markdown**",
  comments: 1,
  publishedAt: new Date().toISOString(),
  editedAt: null,
};

describe("post page", () => {
  it("shows comments the gateway could not get as unavailable, not as none", async () => {
    answer({
      "/api/content/posts/p1/detail": {
        post,
        artist: null,
        comments: null,
        degraded: [{ service: "comment", reason: "timeout" }],
      },
    });
    const wrapper = mount(PostView, { props: { id: "p1" }, ...plugins() });
    await flushPromises();
    expect(wrapper.find("h1").text()).toBe("Night drives");
    expect(wrapper.find("[data-testid=comments-unavailable]").text()).toBe(
      "Comments are unavailable right now. The post is shown without them.",
    );
    expect(wrapper.text()).not.toContain("No comments yet");
  });

  it("renders what people wrote as text", async () => {
    answer({
      "/api/content/posts/p1/detail": {
        post,
        artist: null,
        comments: {
          items: [
            {
              commentId: "c1",
              postId: "p1",
              authorId: "a2",
              parentCommentId: null,
              body: '<img src=x onerror="alert(1)">',
              createdAt: new Date().toISOString(),
              editedAt: null,
            },
          ],
          nextCursor: null,
        },
        degraded: [],
      },
    });
    const wrapper = mount(PostView, { props: { id: "p1" }, ...plugins() });
    await flushPromises();
    expect(wrapper.find("[data-testid=post-body]").text()).toBe(post.body);
    expect(wrapper.find("[data-testid=post-body] script").exists()).toBe(false);
    const comments = wrapper.find("[data-testid=comments]");
    expect(comments.text()).toContain('<img src=x onerror="alert(1)">');
    expect(comments.find("img").exists()).toBe(false);
  });
});
