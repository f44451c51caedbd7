/**
 * Two versions of a registered schema, side by side as a person reads them: both
 * pretty-printed (two-space JSON, fields in their registered order), compared line by line
 * with `diff`, long unchanged runs folded, and the record's top-level fields that came or
 * went named.
 */
import { diffLines } from "diff";

export type DiffLine =
  | { kind: "same" | "added" | "removed"; text: string; old: number | null; new: number | null }
  /** `count` unchanged lines left out between two changes. */
  | { kind: "fold"; count: number };

export interface SchemaDiff {
  lines: DiffLine[];
  added: number;
  removed: number;
  fields: { added: string[]; removed: string[] };
}

/** The schema as two-space JSON; text that is not JSON (Protobuf, say) is kept as it is. */
export function prettySchema(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2);
  } catch {
    return schema;
  }
}

const fieldNames = (schema: string): string[] => {
  try {
    const parsed = JSON.parse(schema) as { fields?: Array<{ name?: unknown }> };
    return (parsed.fields ?? []).map((f) => String(f.name));
  } catch {
    return [];
  }
};

/** `context` unchanged lines are kept around each change; longer runs fold. */
export function schemaDiff(older: string, newer: string, context = 3): SchemaDiff {
  const all: Array<Extract<DiffLine, { text: string }>> = [];
  let oldLine = 1;
  let newLine = 1;
  for (const change of diffLines(prettySchema(older), prettySchema(newer))) {
    const kind = change.added ? "added" : change.removed ? "removed" : "same";
    for (const text of change.value.replace(/\n$/, "").split("\n")) {
      all.push({
        kind,
        text,
        old: kind === "added" ? null : oldLine++,
        new: kind === "removed" ? null : newLine++,
      });
    }
  }
  const changed = all.flatMap((line, i) => (line.kind === "same" ? [] : [i]));
  const near = (i: number) => changed.some((c) => Math.abs(c - i) <= context);
  const lines: DiffLine[] = [];
  let folded = 0;
  for (const [i, line] of all.entries()) {
    if (line.kind === "same" && !near(i)) {
      folded++;
      continue;
    }
    if (folded > 0) lines.push({ kind: "fold", count: folded });
    folded = 0;
    lines.push(line);
  }
  if (folded > 0) lines.push({ kind: "fold", count: folded });
  const before = fieldNames(older);
  const after = fieldNames(newer);
  return {
    lines,
    added: all.filter((l) => l.kind === "added").length,
    removed: all.filter((l) => l.kind === "removed").length,
    fields: {
      added: after.filter((f) => !before.includes(f)),
      removed: before.filter((f) => !after.includes(f)),
    },
  };
}
