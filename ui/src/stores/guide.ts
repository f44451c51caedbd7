/**
 * The AI guide's conversations: the list of one's own, the open one's messages, and the reply
 * being written, which arrives piece by piece over the conversation's SSE stream
 * (GET /api/chat/conversations/:id/stream, docs/adr/024-guide-replies.md).
 *
 *   const guide = useGuide();
 *   await guide.open(conversationId);        // history, then the live stream
 *   const id = await guide.send("Any jazz?"); // a new conversation when none is open
 *   guide.messages / guide.streaming / guide.thinking
 *   guide.close();                            // leaves the page: the stream is closed
 *
 * The stream is opened before a message is posted (the API relays from its end, so a reply
 * written before the stream opened would be missed), and each (re)connection reads the
 * history again: a reply that came while it was down is not lost. The pure steps
 * (applyEvent, mergeMessages) are exported for the tests.
 */
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { type Answer, ApiError, api } from "../api/client.ts";
import { useSession } from "./session.ts";

export type Conversation = Answer<"/api/chat/conversations">["items"][number];

export interface ChatMessage {
  messageId: string;
  kind: "user" | "reply";
  text: string;
  sentAt: string;
  model: string | null;
  inReplyTo: string | null;
  /** Only from the live stream: the view keeps the text, not why it was written. */
  outcome?: "answered" | "limited" | "error";
  error?: string | null;
  /** Written here, not yet seen on the log. */
  local?: boolean;
}

/** The reply as it is being written. */
export interface Streaming {
  inReplyTo: string;
  attempt: number;
  text: string;
  /** The tool the guide is using now ("search_catalog"), cleared by the next text. */
  tool: string | null;
}

export interface ChatState {
  messages: ChatMessage[];
  streaming: Streaming | null;
}

/** One SSE frame of the chat stream, as api/chat/stream.ts writes it. */
export type StreamEvent =
  | { event: "message"; data: { messageId: string; text: string; sentAt: string } }
  | { event: "reply.start"; data: { inReplyTo: string; attempt: number } }
  | { event: "reply.delta"; data: { inReplyTo: string; attempt: number; text: string } }
  | { event: "reply.tool"; data: { inReplyTo: string; attempt: number; name: string } }
  | {
      event: "reply";
      data: {
        messageId: string;
        inReplyTo: string;
        text: string;
        model: string;
        outcome: "answered" | "limited" | "error";
        error: string | null;
        sentAt: string;
      };
    };

/** The offline demo model's id (guide/offline-model/): retrieval, not a language model. */
export const offlineModelId = "vobe-offline-demo";
/** The embedded model's id (guide/local-model/): SmolLM2-135M running on the server. */
export const localModelId = "smollm2-135m-instruct-local";

const outcomeCodes = new Set([
  "rate_limited",
  "token_budget",
  "model_rate_limited",
  "model_unavailable",
  "model_timeout",
  "model_malformed",
  "model_refused",
  "reply_invalid",
]);
const toolNames = new Set([
  "search_catalog",
  "get_track",
  "get_artist",
  "trending_now",
  "my_history",
  "my_likes",
]);

/**
 * Why a reply is not an answer, as a message key (guide.outcomes.*): the limits and the
 * model's failures in the reader's words; the worker's own text is English only.
 */
export function outcomeMessage(
  m: Pick<ChatMessage, "outcome" | "error">,
): { key: string; code?: string } | undefined {
  if (!m.outcome || m.outcome === "answered") return undefined;
  const code = m.error ?? "unknown";
  return outcomeCodes.has(code)
    ? { key: `guide.outcomes.${code}` }
    : { key: "guide.outcomes.unknown", code };
}

/** The tool the guide is using, as a message key (guide.tools.*). */
export const toolMessage = (name: string) => `guide.tools.${toolNames.has(name) ? name : "other"}`;

const byTime = (a: ChatMessage, b: ChatMessage) =>
  a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0;

/**
 * The history read from the view, merged with what is on screen: nothing shown twice, a
 * message written here replaced by its record, a live reply's outcome kept.
 */
export function mergeMessages(shown: ChatMessage[], read: ChatMessage[]): ChatMessage[] {
  const out = new Map<string, ChatMessage>();
  for (const m of read) out.set(m.messageId, m);
  for (const m of shown) {
    const twin = out.get(m.messageId);
    if (twin) out.set(m.messageId, { ...m, ...twin, outcome: m.outcome, error: m.error });
    else if (!m.local || !read.some((r) => r.kind === "user" && r.text === m.text))
      out.set(m.messageId, m);
  }
  // Written here and not yet on the log: last, whatever the clocks say.
  const all = [...out.values()];
  return [...all.filter((m) => !m.local).sort(byTime), ...all.filter((m) => m.local)];
}

/** One frame applied to the state (a new state; frames of another attempt are ignored). */
export function applyEvent(state: ChatState, frame: StreamEvent): ChatState {
  const { messages, streaming } = state;
  switch (frame.event) {
    case "message": {
      const d = frame.data;
      if (messages.some((m) => m.messageId === d.messageId)) return state;
      const record: ChatMessage = {
        messageId: d.messageId,
        kind: "user",
        text: d.text,
        sentAt: d.sentAt,
        model: null,
        inReplyTo: null,
      };
      // The first message written here with this text is this one.
      const local = messages.findIndex((m) => m.local && m.text === d.text);
      const next =
        local >= 0
          ? messages.map((m, i) => (i === local ? record : m))
          : mergeMessages(messages, [record]);
      return { messages: next, streaming };
    }
    case "reply.start":
      // A new attempt: the text of a failed one is dropped.
      return {
        messages,
        streaming: {
          inReplyTo: frame.data.inReplyTo,
          attempt: frame.data.attempt,
          text: "",
          tool: null,
        },
      };
    case "reply.delta":
    case "reply.tool": {
      const d = frame.data;
      if (messages.some((m) => m.inReplyTo === d.inReplyTo)) return state; // already final
      const current =
        streaming && streaming.inReplyTo === d.inReplyTo && streaming.attempt === d.attempt
          ? streaming
          : streaming && streaming.inReplyTo === d.inReplyTo && streaming.attempt > d.attempt
            ? undefined
            : { inReplyTo: d.inReplyTo, attempt: d.attempt, text: "", tool: null };
      if (!current) return state;
      return {
        messages,
        streaming:
          frame.event === "reply.delta"
            ? { ...current, text: current.text + frame.data.text, tool: null }
            : { ...current, tool: frame.data.name },
      };
    }
    case "reply": {
      const d = frame.data;
      const reply: ChatMessage = {
        messageId: d.messageId,
        kind: "reply",
        text: d.text,
        sentAt: d.sentAt,
        model: d.model || null,
        inReplyTo: d.inReplyTo,
        outcome: d.outcome,
        error: d.error,
      };
      const without = messages.filter((m) => m.messageId !== d.messageId);
      return {
        messages: mergeMessages(without, [reply]),
        streaming: streaming?.inReplyTo === d.inReplyTo ? null : streaming,
      };
    }
  }
}

const newId = () => crypto.randomUUID();
const streamEvents = ["message", "reply.start", "reply.delta", "reply.tool", "reply"] as const;

export const useGuide = defineStore("guide", () => {
  const session = useSession();
  const conversations = shallowRef<Conversation[]>([]);
  const listLoading = ref(false);
  const listError = shallowRef<unknown>();
  const currentId = ref<string>();
  /** The conversation last open (kept by close()): the panel opens it again. */
  const lastId = ref<string>();
  const state = shallowRef<ChatState>({ messages: [], streaming: null });
  const historyLoading = ref(false);
  const historyError = shallowRef<unknown>();
  const sendError = shallowRef<unknown>();
  const sending = ref(false);
  /** The live stream: "connecting", "open", or "down" (the browser retries by itself). */
  const live = ref<"closed" | "connecting" | "open" | "down">("closed");
  let source: EventSource | undefined;
  let opened: Promise<void> | undefined;

  const messages = computed(() => state.value.messages);
  const streaming = computed(() => state.value.streaming);
  /** A question without its reply yet. */
  const thinking = computed(() => {
    const list = state.value.messages;
    const last = list[list.length - 1];
    return last?.kind === "user";
  });

  /** `after`: a position on chat.messages the list must include (read your writes). */
  async function loadConversations(after?: string) {
    listLoading.value = true;
    listError.value = undefined;
    try {
      conversations.value = (
        await api.get("/api/chat/conversations", {
          query: { limit: "50", ...(after ? { after } : {}) },
        })
      ).items;
    } catch (e) {
      // The view slower than its wait: the list as it is now, rather than an error.
      if (after) {
        await loadConversations();
        return;
      }
      listError.value = e;
    } finally {
      listLoading.value = false;
    }
  }

  async function loadHistory(id: string) {
    historyLoading.value = true;
    historyError.value = undefined;
    try {
      const page = await api.get("/api/chat/conversations/{conversationId}/messages", {
        path: { conversationId: id },
        query: { limit: "100" },
      });
      if (currentId.value !== id) return;
      state.value = { ...state.value, messages: mergeMessages(state.value.messages, page.items) };
    } catch (e) {
      // Not started yet (nothing written to it): an empty conversation, not an error.
      if (e instanceof ApiError && e.status === 404) return;
      if (currentId.value === id) historyError.value = e;
    } finally {
      if (currentId.value === id) historyLoading.value = false;
    }
  }

  function connect(id: string): Promise<void> {
    source?.close();
    live.value = "connecting";
    const token = session.token ?? "";
    const es = new EventSource(
      `/api/chat/conversations/${encodeURIComponent(id)}/stream?access_token=${encodeURIComponent(token)}`,
    );
    source = es;
    for (const name of streamEvents) {
      es.addEventListener(name, (e) => {
        if (source !== es) return;
        try {
          const data = JSON.parse((e as MessageEvent<string>).data);
          state.value = applyEvent(state.value, { event: name, data } as StreamEvent);
        } catch {
          // A frame that is not JSON is not ours to show.
        }
        // The frame's id is its position: the list is read once it holds this reply.
        if (name === "reply") void loadConversations((e as MessageEvent).lastEventId || undefined);
      });
    }
    return new Promise<void>((resolve) => {
      es.addEventListener("open", () => {
        if (source !== es) return;
        live.value = "open";
        resolve();
        // Each (re)connection: what was written while the stream was down.
        void loadHistory(id);
      });
      es.addEventListener("error", () => {
        if (source !== es) return;
        live.value = "down";
        // Refused for good (401, 404): the browser will not retry; neither do we.
        if (es.readyState === EventSource.CLOSED) resolve();
      });
    });
  }

  /** Shows conversation `id` (history and live replies); none: a new, empty one. */
  async function open(id: string | undefined) {
    if (id === currentId.value && (id === undefined || source)) return;
    close();
    currentId.value = id;
    if (!id) return;
    lastId.value = id;
    historyLoading.value = true;
    opened = connect(id);
    await opened;
  }

  function close() {
    source?.close();
    source = undefined;
    opened = undefined;
    live.value = "closed";
    currentId.value = undefined;
    state.value = { messages: [], streaming: null };
    historyError.value = undefined;
    sendError.value = undefined;
    historyLoading.value = false;
  }

  /** Posts a question; returns the conversation's id (a new one when none was open). */
  async function send(text: string): Promise<string | undefined> {
    const question = text.trim();
    if (!question || sending.value) return currentId.value;
    sendError.value = undefined;
    sending.value = true;
    const id = currentId.value ?? newId();
    try {
      if (currentId.value !== id) {
        currentId.value = id;
        lastId.value = id;
        historyLoading.value = false;
        opened = connect(id);
      }
      // Bounded: a stream that will not open must not keep the question from being sent.
      await Promise.race([opened, new Promise((r) => setTimeout(r, 5_000))]);
      const local: ChatMessage = {
        messageId: `local:${newId()}`,
        kind: "user",
        text: question,
        sentAt: new Date().toISOString(),
        model: null,
        inReplyTo: null,
        local: true,
      };
      state.value = { ...state.value, messages: [...state.value.messages, local] };
      try {
        const accepted = await api.send(
          "post",
          "/api/chat/conversations/{conversationId}/messages",
          {
            path: { conversationId: id },
            body: { text: question },
          },
        );
        void loadConversations(accepted.position);
      } catch (e) {
        state.value = {
          ...state.value,
          messages: state.value.messages.filter((m) => m.messageId !== local.messageId),
        };
        throw e;
      }
      return id;
    } catch (e) {
      sendError.value = e;
      return id;
    } finally {
      sending.value = false;
    }
  }

  return {
    conversations,
    listLoading,
    listError,
    currentId,
    lastId,
    messages,
    streaming,
    thinking,
    historyLoading,
    historyError,
    sendError,
    sending,
    live,
    loadConversations,
    loadHistory,
    open,
    close,
    send,
  };
});
