/**
 * The guide's reply text (a small markdown: links to our pages, bold, "- " list items) as
 * lines of segments the template renders with plain elements: no HTML from the text ever
 * reaches the page. Only links to a track, album or artist page become links; anything
 * else stays text (the guide removes foreign links already; this is the second fence).
 *
 *   parseReply("- [Blue](/tracks/<id>) by **X**")
 *     → [{ item: true, segments: [{ kind: "link", entity: "track", id, text: "Blue" }, …] }]
 */
export type Segment =
  | { kind: "text"; text: string }
  | { kind: "bold"; text: string }
  | { kind: "link"; entity: "track" | "album" | "artist"; id: string; text: string };

export interface ReplyLine {
  /** A "- " list item. */
  item: boolean;
  segments: Segment[];
}

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const link = new RegExp(`^/(track|album|artist)s/(${uuid})$`, "i");
// A link with escaped brackets in its label (grounding.ts escapes them), or bold.
const spans = /\[((?:\\.|[^\]\\\n])*)\]\(([^)\s]*)\)|\*\*([^*\n]+)\*\*/g;
const unescaped = (s: string) => s.replace(/\\([[\]()\\])/g, "$1");

function segmentsOf(line: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const m of line.matchAll(spans)) {
    const start = m.index ?? 0;
    if (start > at) out.push({ kind: "text", text: line.slice(at, start) });
    const [whole, label, target, bold] = m;
    if (bold !== undefined) out.push({ kind: "bold", text: bold });
    else {
      const ours = link.exec(target ?? "");
      const text = unescaped(label ?? "");
      out.push(
        ours
          ? {
              kind: "link",
              entity: (ours[1] as string).toLowerCase() as "track" | "album" | "artist",
              id: (ours[2] as string).toLowerCase(),
              text,
            }
          : { kind: "text", text },
      );
    }
    at = start + whole.length;
  }
  if (at < line.length) out.push({ kind: "text", text: line.slice(at) });
  return out;
}

export function parseReply(text: string): ReplyLine[] {
  return text
    .split("\n")
    .map((raw) => {
      const item = /^\s*[-*]\s+/.test(raw);
      return { item, segments: segmentsOf(item ? raw.replace(/^\s*[-*]\s+/, "") : raw) };
    })
    .filter((line, i, all) => line.segments.length > 0 || (i > 0 && i < all.length - 1));
}

/** The tracks a reply links to, each once, in order: what "play all" would queue. */
export function trackLinks(lines: ReplyLine[]): Array<{ id: string; title: string }> {
  const seen = new Map<string, string>();
  for (const line of lines)
    for (const s of line.segments)
      if (s.kind === "link" && s.entity === "track" && !seen.has(s.id)) seen.set(s.id, s.text);
  return [...seen].map(([id, title]) => ({ id, title }));
}

export type ReplyBlock = { kind: "p"; segments: Segment[] } | { kind: "list"; items: Segment[][] };

/** Lines as paragraphs and lists (consecutive items in one list, as HTML wants them). */
export function blocksOf(lines: ReplyLine[]): ReplyBlock[] {
  const out: ReplyBlock[] = [];
  for (const line of lines) {
    const last = out[out.length - 1];
    if (!line.item) out.push({ kind: "p", segments: line.segments });
    else if (last?.kind === "list") last.items.push(line.segments);
    else out.push({ kind: "list", items: [line.segments] });
  }
  return out;
}
