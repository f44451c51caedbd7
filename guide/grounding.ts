/**
 * What a reply may name: the tracks, albums and artists found in its tool results. Names of
 * those are linked to their pages; names the reply gives (in quotes, bold, or as a link
 * label) that no tool result holds are marked as not found; links that do not go to one of
 * our pages are removed (a catalog text that says "link to …" must not put a link in the
 * reply).
 */
export type EntityKind = "track" | "album" | "artist";

export interface Entity {
  kind: EntityKind;
  id: string;
  name: string;
}

export interface Reference extends Entity {
  path: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const pathOf = (e: Entity) => `/${e.kind}s/${e.id}`;

/** Every entity a JSON tool result holds, by the field pairs of the read routes' shapes. */
export function entitiesIn(json: string): Entity[] {
  const found: Entity[] = [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return found;
  }
  const add = (kind: EntityKind, id: unknown, name: unknown) => {
    if (typeof id === "string" && uuid.test(id) && typeof name === "string" && name.trim()) {
      found.push({ kind, id, name: name.trim() });
    }
  };
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if ("trackId" in o) add("track", o.trackId, o.title);
    else if ("albumId" in o && "title" in o) add("album", o.albumId, o.title);
    if ("albumId" in o && "albumTitle" in o) add("album", o.albumId, o.albumTitle);
    if ("artistId" in o && "name" in o) add("artist", o.artistId, o.name);
    if ("artistId" in o && "artistName" in o) add("artist", o.artistId, o.artistName);
    for (const x of Object.values(o)) walk(x);
  };
  walk(value);
  return found;
}

const norm = (s: string) => s.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");
/**
 * A catalog name inside a markdown link label: brackets would end it early, and a URL in a
 * title would still be turned into a link by renderers that autolink.
 */
const label = (s: string) =>
  s.replace(/https?:\/\/[^\s)\]]+/g, "link removed").replace(/[[\]()\\]/g, (c) => `\\${c}`);
const link = (e: Entity) => `[${label(e.name)}](${pathOf(e)})`;

// A markdown link, a bare URL, or a name set off by quotes or bold/italics.
const spans =
  /\[([^\]\n]{1,200})\]\(([^)\s]{0,500})\)|https?:\/\/[^\s)>\]]*[^\s)>\].,;:!?]|\*\*([^*\n]{1,120})\*\*|"([^"\n]{1,120})"|“([^”\n]{1,120})”|«([^»\n]{1,120})»/g;

export interface Grounded {
  text: string;
  references: Reference[];
  unverified: string[];
}

export function ground(text: string, entities: readonly Entity[]): Grounded {
  const byName = new Map<string, Entity>();
  for (const e of entities) if (!byName.has(norm(e.name))) byName.set(norm(e.name), e);
  const ids = new Map(entities.map((e) => [pathOf(e), e]));
  const references = new Map<string, Reference>();
  const unverified = new Set<string>();
  const cite = (e: Entity) => {
    references.set(pathOf(e), { ...e, path: pathOf(e) });
    return link(e);
  };

  const out = text.replace(spans, (whole, linkLabel, target, bold, q1, q2, q3) => {
    if (linkLabel !== undefined) {
      const ours = ids.get(target);
      if (ours) return cite(ours);
      const named = byName.get(norm(linkLabel));
      if (named) return cite(named);
      unverified.add(linkLabel.trim());
      return `${linkLabel} (not found in the catalog)`;
    }
    if (bold === undefined && q1 === undefined && q2 === undefined && q3 === undefined) {
      return "(link removed)"; // a bare URL
    }
    const name = (bold ?? q1 ?? q2 ?? q3) as string;
    const named = byName.get(norm(name));
    if (named) return cite(named);
    // Quotes around a phrase that is not a name at all are common; only a span that looks
    // like a title (short, no sentence punctuation at its end) is taken for one.
    if (name.length > 80 || /[.!?:,;]$/.test(name.trim())) return whole;
    unverified.add(name.trim());
    return `${whole} (not found in the catalog)`;
  });

  // Names the model wrote plainly: the first mention of each is linked, outside links.
  let linked = out;
  const plain = [...byName.values()]
    .filter((e) => e.name.length >= 3 && !references.has(pathOf(e)))
    .sort((a, b) => b.name.length - a.name.length);
  for (const e of plain) {
    const parts = linked.split(/(\[[^\]\n]*\]\([^)\s]*\))/);
    let done = false;
    for (let i = 0; i < parts.length && !done; i += 2) {
      const part = parts[i] as string;
      const at = part.toLowerCase().indexOf(e.name.toLowerCase());
      if (at < 0) continue;
      const before = part[at - 1];
      const after = part[at + e.name.length];
      if ((before && /[\p{L}\p{N}]/u.test(before)) || (after && /[\p{L}\p{N}]/u.test(after)))
        continue;
      parts[i] = part.slice(0, at) + cite(e) + part.slice(at + e.name.length);
      done = true;
    }
    linked = parts.join("");
  }
  return { text: linked, references: [...references.values()], unverified: [...unverified] };
}
