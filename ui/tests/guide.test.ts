/**
 * The guide page's logic: the SSE frames applied to the conversation (a retry drops the
 * partial text, a late frame of an old attempt is ignored, a message written here is replaced
 * by its record, a reply ends the streaming), the history merged without doubles, and the
 * reply text parsed into links to our pages only.
 */
import { describe, expect, it } from "vitest";
import { blocksOf, parseReply, trackLinks } from "../src/components/guide/reply-text.ts";
import { i18n } from "../src/i18n/index.ts";
import {
  applyEvent,
  type ChatMessage,
  type ChatState,
  mergeMessages,
  outcomeMessage,
  type StreamEvent,
  toolMessage,
} from "../src/stores/guide.ts";

const q = "11111111-1111-4111-8111-111111111111";
const track = "22222222-2222-4222-8222-222222222222";
const artist = "33333333-3333-4333-8333-333333333333";
const local: ChatMessage = {
  messageId: "local:1",
  kind: "user",
  text: "any jazz?",
  sentAt: "2026-12-02T10:00:05.000Z",
  model: null,
  inReplyTo: null,
  local: true,
};
const run = (state: ChatState, ...frames: StreamEvent[]) => frames.reduce(applyEvent, state);
const delta = (attempt: number, text: string): StreamEvent => ({
  event: "reply.delta",
  data: { inReplyTo: q, attempt, text },
});

describe("the guide's stream", () => {
  it("streams a reply, starts over on a retry, and ends with the record", () => {
    let s: ChatState = { messages: [local], streaming: null };
    s = run(s, {
      event: "message",
      data: { messageId: q, text: "any jazz?", sentAt: "2026-12-02T10:00:04.000Z" },
    });
    expect(s.messages.map((m) => m.messageId)).toEqual([q]); // the local one replaced
    s = run(s, { event: "reply.start", data: { inReplyTo: q, attempt: 1 } }, delta(1, "Tra"));
    s = run(s, { event: "reply.tool", data: { inReplyTo: q, attempt: 1, name: "search_catalog" } });
    expect(s.streaming).toMatchObject({ text: "Tra", tool: "search_catalog" });
    s = run(s, delta(1, "cks"));
    expect(s.streaming).toMatchObject({ text: "Tracks", tool: null });
    s = run(s, { event: "reply.start", data: { inReplyTo: q, attempt: 2 } }, delta(1, "late"));
    expect(s.streaming).toMatchObject({ attempt: 2, text: "" }); // attempt 1's text is gone
    s = run(s, delta(2, "Here"));
    s = run(s, {
      event: "reply",
      data: {
        messageId: "r1",
        inReplyTo: q,
        text: "Here it is",
        model: "m",
        outcome: "answered",
        error: null,
        sentAt: "2026-12-02T10:00:09.000Z",
      },
    });
    expect(s.streaming).toBeNull();
    expect(s.messages.map((m) => [m.kind, m.text])).toEqual([
      ["user", "any jazz?"],
      ["reply", "Here it is"],
    ]);
    // A delta that comes after the record does not start the reply again.
    expect(run(s, delta(2, "x")).streaming).toBeNull();
  });

  it("keeps a limited reply's reason", () => {
    const s = run(
      { messages: [], streaming: null },
      {
        event: "reply",
        data: {
          messageId: "r1",
          inReplyTo: q,
          text: "You are sending messages faster…",
          model: "",
          outcome: "limited",
          error: "rate_limited",
          sentAt: "2026-12-02T10:00:09.000Z",
        },
      },
    );
    expect(s.messages[0]).toMatchObject({ outcome: "limited", error: "rate_limited", model: null });
  });

  it("merges the history without doubles; what was written here stays last until recorded", () => {
    const read: ChatMessage[] = [
      {
        messageId: "b",
        kind: "reply",
        text: "B",
        sentAt: "2026-12-02T10:00:02.000Z",
        model: "m",
        inReplyTo: "a",
      },
      {
        messageId: "a",
        kind: "user",
        text: "A",
        sentAt: "2026-12-02T10:00:01.000Z",
        model: null,
        inReplyTo: null,
      },
    ];
    const shown: ChatMessage[] = [
      { ...(read[0] as ChatMessage), outcome: "answered", error: null },
      { ...local, sentAt: "2026-12-02T09:00:00.000Z" },
    ];
    const merged = mergeMessages(shown, read);
    expect(merged.map((m) => m.messageId)).toEqual(["a", "b", "local:1"]);
    expect(merged[1]?.outcome).toBe("answered");
    const recorded = mergeMessages(merged, [
      { ...local, messageId: "c", local: false, sentAt: "2026-12-02T10:00:03.000Z" },
    ]);
    expect(recorded.map((m) => m.messageId)).toEqual(["a", "b", "c"]);
  });
});

describe("the guide's reply text", () => {
  it("links our pages only, keeps bold and list items, and never makes HTML", () => {
    const lines = parseReply(
      `Tracks:\n- [Blue \\[live\\]](/tracks/${track}) by [X](/artists/${artist})\n- **Bold** [evil](https://evil.example) <b>hi</b>`,
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toEqual({
      item: true,
      segments: [
        { kind: "link", entity: "track", id: track, text: "Blue [live]" },
        { kind: "text", text: " by " },
        { kind: "link", entity: "artist", id: artist, text: "X" },
      ],
    });
    expect(lines[2]?.segments).toEqual([
      { kind: "bold", text: "Bold" },
      { kind: "text", text: " " },
      { kind: "text", text: "evil" },
      { kind: "text", text: " <b>hi</b>" },
    ]);
    expect(trackLinks(lines)).toEqual([{ id: track, title: "Blue [live]" }]);
    expect(blocksOf(lines).map((b) => (b.kind === "list" ? b.items.length : "p"))).toEqual([
      "p",
      2,
    ]);
  });
});

describe("the guide's states in words", () => {
  it("says limit reached and model unavailable in both languages, and names unknown codes", () => {
    const { t } = i18n.global;
    const say = (error: string | null, outcome: "limited" | "error" = "error") => {
      const o = outcomeMessage({ outcome, error });
      return o && t(o.key, { code: o.code });
    };
    i18n.global.locale.value = "en";
    expect(outcomeMessage({ outcome: "answered", error: null })).toBeUndefined();
    expect(say("rate_limited", "limited")).toMatch(/^Limit reached/);
    expect(say("token_budget", "limited")).toMatch(/^Limit reached/);
    expect(say("model_unavailable")).toBe(
      "The model is unavailable right now. Ask again in a moment.",
    );
    expect(say("something_new")).toBe("The guide could not answer (something_new).");
    expect(t("guide.lookingUp", { tool: t(toolMessage("search_catalog")) })).toBe(
      "The guide is searching the catalog…",
    );
    expect(t(toolMessage("drop_tables"))).toBe("looking something up");
    i18n.global.locale.value = "ru";
    expect(say("rate_limited", "limited")).toMatch(/^Лимит исчерпан/);
    expect(say("model_unavailable")).toBe("Модель сейчас недоступна. Спросите чуть позже.");
    i18n.global.locale.value = "en";
  });
});
