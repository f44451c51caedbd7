/**
 * The search API's highlights are HTML: the text escaped, the hits wrapped in <em>. They are
 * turned into plain parts here and rendered as text (with <mark> for hits), never as HTML:
 * nothing a person wrote can become markup.
 *
 *   highlightParts("Kid <em>A</em> &amp; B") → [{ text: "Kid ", hit: false }, { text: "A", hit: true }, { text: " & B", hit: false }]
 */
export interface Part {
  text: string;
  hit: boolean;
}

const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&#x27;": "'",
  "&#x2F;": "/",
  "&#47;": "/",
};

const unescapeHtml = (s: string) =>
  s.replace(/&(?:amp|lt|gt|quot|#39|#x27|#x2F|#47);/g, (e) => entities[e] ?? e);

export function highlightParts(html: string): Part[] {
  const parts: Part[] = [];
  let hit = false;
  for (const piece of html.split(/(<em>|<\/em>)/)) {
    if (piece === "<em>") hit = true;
    else if (piece === "</em>") hit = false;
    else if (piece) parts.push({ text: unescapeHtml(piece), hit });
  }
  return parts;
}
