/**
 * The offline demo model's answers: a deterministic, retrieval-based responder, not a
 * language model. It reads an OpenAI chat request and decides, from the last user message
 * and the tool results after it, either which of the guide's tools to call next or the text
 * of the answer, built from templates and the catalog facts in the tool results. It only
 * names what a tool result holds, each as a link to its page by id (two tracks may share a
 * title), which the guide's grounding keeps because the id is in a tool result.
 *
 *   respond({ messages, tools })  → { toolCalls: [{ name: "search_catalog", arguments }] }
 *   respond({ messages: [..., tool results] }) → { text: "…\n- [Blue](/tracks/<id>) by …" }
 *
 * It ignores the system prompt and earlier turns: it has no memory and no reasoning.
 */

export interface OfflineMessage {
  role: string;
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface OfflineRequest {
  messages: OfflineMessage[];
  tools?: Array<{ function: { name: string } }>;
}

export type OfflineAnswer =
  | { toolCalls: Array<{ name: string; arguments: string }> }
  | { text: string };

type Intent = "trending" | "likes" | "history" | "search";

const textOf = (m: OfflineMessage | undefined): string => {
  if (!m?.content) return "";
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => p.text ?? "").join(" ");
};

const cyrillic = /[\u0400-\u04ff]/;

// Stems, matched at the start of a word: "trending", "popular", "популярное".
const intents: Array<[Intent, RegExp]> = [
  ["likes", /(^|[^\p{L}])(my likes|i like|liked|мои лайки|мне нрав|понрави|лайкнул)/iu],
  ["history", /(^|[^\p{L}])(my history|i (have )?(played|listened)|history|истори|слушал)/iu],
  ["trending", /(^|[^\p{L}])(trend|popular|hot|top|charts?|тренд|популярн|модн|чарт)/iu],
];

/** Words that say what is asked for, not what to look for. */
const stopWords = new Set(
  `a an the and or of to in on for by with from about is are was were be do does did have has
  had i me my you your we our it its this that these those what which who whom whose where when
  how why any some can could would should will shall may might please tell show give find list
  recommend suggest know like want need there here more most much many few one ones something
  anything music song songs track tracks album albums artist artists band bands catalog
  catalogue vobemusic play listen hear good best great new old kind sort type hello hi hey
  thanks thank ok okay yes no привет здравствуйте спасибо да нет
  и в во на с со по о об от до из у за для к ко а но или что как какие какой какая какую кто
  где когда есть ли мне меня мой моя мои ты вы вам нам это этот эта эти все всё ещё еще
  покажи посоветуй порекомендуй найди расскажи подскажи хочу можно нужно музыка музыку песня
  песни песню трек треки треков альбом альбомы исполнитель исполнители группа группы каталог
  каталоге послушать слушать`.split(/\s+/),
);

/** The words of a question worth searching for, at most six. */
export function keywordsOf(question: string): string {
  const words = question
    .toLowerCase()
    .split(/[^\p{L}\p{N}'&-]+/u)
    .map((w) => w.replace(/^['-]+|['-]+$/g, ""))
    .filter((w) => w.length > 1 && !stopWords.has(w));
  return words.slice(0, 6).join(" ");
}

export function intentOf(question: string): Intent {
  for (const [intent, pattern] of intents) if (pattern.test(question)) return intent;
  return "search";
}

export interface Track {
  trackId: string;
  title?: string;
  artistId?: string;
  artistName?: string;
  albumId?: string;
  albumTitle?: string;
}
export interface Artist {
  artistId: string;
  name: string;
  genres?: string[];
  country?: string;
}

interface Found {
  tracks: Track[];
  artists: Artist[];
  /** Which tools answered since the question, and with what. */
  calls: Array<{ name: string; args: Record<string, unknown>; result: unknown }>;
}

const parse = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};

/** Tracks and artists in the tool results after the question, first seen first. */
function found(after: OfflineMessage[]): Found {
  const names = new Map<string, { name: string; args: Record<string, unknown> }>();
  const out: Found = { tracks: [], artists: [], calls: [] };
  const tracks = new Map<string, Track>();
  const artists = new Map<string, Artist>();
  for (const m of after) {
    for (const c of m.tool_calls ?? []) {
      const args = parse(c.function.arguments);
      names.set(c.id, {
        name: c.function.name,
        args: args && typeof args === "object" ? (args as Record<string, unknown>) : {},
      });
    }
    if (m.role !== "tool") continue;
    const call = names.get(m.tool_call_id ?? "");
    const result = parse(textOf(m));
    out.calls.push({ name: call?.name ?? "", args: call?.args ?? {}, result });
    const walk = (v: unknown) => {
      if (Array.isArray(v)) return void v.forEach(walk);
      if (!v || typeof v !== "object") return;
      const o = v as Record<string, unknown>;
      if (typeof o.trackId === "string") {
        const seen = tracks.get(o.trackId) ?? { trackId: o.trackId };
        for (const k of ["title", "artistId", "artistName", "albumId", "albumTitle"] as const) {
          if (typeof o[k] === "string" && !seen[k]) seen[k] = o[k] as string;
        }
        tracks.set(o.trackId, seen);
      } else if (typeof o.artistId === "string" && typeof o.name === "string") {
        artists.set(o.artistId, {
          artistId: o.artistId,
          name: o.name,
          ...(Array.isArray(o.genres) ? { genres: o.genres.map(String) } : {}),
          ...(typeof o.country === "string" ? { country: o.country } : {}),
        });
      }
      for (const x of Object.values(o)) walk(x);
    };
    walk(result);
  }
  out.tracks = [...tracks.values()];
  out.artists = [...artists.values()];
  return out;
}

const tool = (name: string, args: Record<string, unknown> = {}) => ({
  name,
  arguments: JSON.stringify(args),
});

// A catalog name as a link label: brackets would end it early (as grounding.ts escapes them).
const label = (s: string) => s.replace(/[[\]()\\]/g, (c) => `\\${c}`);
const link = (kind: "track" | "album" | "artist", id: string, name: string) =>
  `[${label(name)}](/${kind}s/${id})`;

const words = {
  en: {
    tracks: (q: string) => (q ? `Tracks in the catalog for ${q}:` : "Tracks from the catalog:"),
    trending: "Trending now on VobeMusic:",
    likes: "The tracks you like:",
    history: "What you played recently:",
    artists: "Artists:",
    by: "by",
    from: "from",
    nothing: (q: string) =>
      q
        ? `I found nothing for ${q} in the VobeMusic catalog.`
        : "I could not find anything for that in the VobeMusic catalog.",
    nothingOf: {
      trending: "Nothing is trending right now: no plays in the last closed hour.",
      likes: "You have not liked any tracks yet.",
      history: "You have not played anything yet.",
    },
    ask: "Ask me about an artist, a genre or a track title in the VobeMusic catalog, or what is trending.",
  },
  ru: {
    tracks: (q: string) => (q ? `Треки в каталоге по запросу ${q}:` : "Треки из каталога:"),
    trending: "Сейчас популярно на VobeMusic:",
    likes: "Треки, которые вам нравятся:",
    history: "Что вы слушали недавно:",
    artists: "Исполнители:",
    by: "—",
    from: "альбом",
    nothing: (q: string) =>
      q
        ? `По запросу ${q} в каталоге VobeMusic ничего не нашлось.`
        : "В каталоге VobeMusic ничего такого не нашлось.",
    nothingOf: {
      trending: "Сейчас ничего не в тренде: за последний час не было прослушиваний.",
      likes: "Вы ещё не отметили ни одного трека.",
      history: "Вы ещё ничего не слушали.",
    },
    ask: "Спросите меня об исполнителе, жанре или названии трека из каталога VobeMusic или о том, что сейчас популярно.",
  },
};

const maxListed = 5;

function compose(question: string, intent: Intent, query: string, f: Found): string {
  const w = cyrillic.test(question) ? words.ru : words.en;
  const titled = f.tracks.filter((t) => t.title);
  const lines: string[] = [];
  if (titled.length > 0) {
    lines.push(intent === "search" ? w.tracks(query) : w[intent]);
    for (const t of titled.slice(0, maxListed)) {
      const by =
        t.artistName && t.artistId ? ` ${w.by} ${link("artist", t.artistId, t.artistName)}` : "";
      const from =
        t.albumTitle && t.albumId ? ` (${w.from} ${link("album", t.albumId, t.albumTitle)})` : "";
      lines.push(`- ${link("track", t.trackId, t.title as string)}${by}${from}`);
    }
  }
  const artists = f.artists.filter((a) => !titled.some((t) => t.artistName === a.name));
  if (intent === "search" && artists.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(w.artists);
    for (const a of artists.slice(0, 3)) {
      const genres = a.genres?.length ? ` (${a.genres.slice(0, 3).join(", ")})` : "";
      lines.push(`- ${link("artist", a.artistId, a.name)}${genres}`);
    }
  }
  if (lines.length === 0) return intent === "search" ? w.nothing(query) : w.nothingOf[intent];
  return lines.join("\n");
}

/** The last user message and what the tool results after it hold. */
export function retrieved(request: OfflineRequest): {
  question: string;
  tracks: Track[];
  artists: Artist[];
} {
  const messages = request.messages ?? [];
  let at = messages.length - 1;
  while (at >= 0 && messages[at]?.role !== "user") at--;
  const f = found(messages.slice(at + 1));
  return { question: textOf(messages[at]).slice(0, 2_000), tracks: f.tracks, artists: f.artists };
}

/** The next step for one request: tool calls while facts are missing, then the text. */
export function respond(request: OfflineRequest): OfflineAnswer {
  const messages = request.messages ?? [];
  let at = messages.length - 1;
  while (at >= 0 && messages[at]?.role !== "user") at--;
  const question = textOf(messages[at]).slice(0, 2_000);
  const after = messages.slice(at + 1);
  const offered = new Set((request.tools ?? []).map((t) => t.function.name));
  const intent = intentOf(question);
  const query = keywordsOf(question);
  const f = found(after);
  const asked = new Set(f.calls.map((c) => c.name));

  if (f.calls.length === 0) {
    const direct = { trending: "trending_now", likes: "my_likes", history: "my_history" } as const;
    if (intent !== "search" && offered.has(direct[intent])) {
      return { toolCalls: [tool(direct[intent])] };
    }
    if (intent === "search" && query && offered.has("search_catalog")) {
      return {
        toolCalls: [
          tool("search_catalog", { query, type: "tracks" }),
          tool("search_catalog", { query, type: "artists" }),
        ],
      };
    }
    if (!query) return { text: cyrillic.test(question) ? words.ru.ask : words.en.ask };
  }
  // Trending, likes and history name tracks by id only: read the first few.
  const untitled = f.tracks.filter((t) => !t.title).slice(0, maxListed);
  if (untitled.length > 0 && !asked.has("get_track") && offered.has("get_track")) {
    return { toolCalls: untitled.map((t) => tool("get_track", { trackId: t.trackId })) };
  }
  return { text: compose(question, intent, query, f) };
}

/** The text cut where a tokenizer might: each word with the space before it. */
export function piecesOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}
