import { describe, expect, it } from "vitest";
import { prettySchema, schemaDiff } from "../../ops/registry/schema-diff.ts";
import { classifySubject } from "../../ops/registry/subjects.ts";

const record = (fields: Array<Record<string, unknown>>) =>
  JSON.stringify({ type: "record", name: "TrackPlayed", namespace: "vobemusic.listening", fields });
const id = { name: "trackId", type: "string" };
const ms = { name: "durationMs", type: "long" };
const source = { name: "source", type: ["null", "string"], default: null };

describe("a schema diff", () => {
  it("shows an added field as added lines between unchanged ones, with both line numbers", () => {
    const diff = schemaDiff(record([id, ms]), record([id, ms, source]));
    expect(diff.fields).toEqual({ added: ["source"], removed: [] });
    expect(diff.added).toBeGreaterThan(diff.removed);
    const added = diff.lines.filter((l) => l.kind === "added");
    expect(added.map((l) => "text" in l && l.text.trim())).toContain('"name": "source",');
    for (const l of added) expect(l).toMatchObject({ old: null, new: expect.any(Number) });
    expect(diff.lines[0]).toMatchObject({ kind: "fold" });
  });

  it("folds long unchanged runs and keeps three lines of context around a change", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: "int" }));
    const changed = many.map((f, i) => (i === 10 ? { ...f, type: "long" } : f));
    const diff = schemaDiff(record(many), record(changed));
    expect(diff).toMatchObject({ added: 1, removed: 1, fields: { added: [], removed: [] } });
    const kinds = diff.lines.map((l) => l.kind);
    expect(kinds.filter((k) => k === "same")).toHaveLength(6);
    expect(kinds[0]).toBe("fold");
    expect(kinds.at(-1)).toBe("fold");
  });

  it("says nothing changed between a version and itself, and pretty-prints what it shows", () => {
    const diff = schemaDiff(record([id]), record([id]));
    expect(diff).toMatchObject({ added: 0, removed: 0, lines: [{ kind: "fold" }] });
    expect(prettySchema('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettySchema("syntax = proto3")).toBe("syntax = proto3");
  });
});

describe("a registry subject's kind", () => {
  it("is domain for a catalog event's subject, with its topic and record", () => {
    expect(classifySubject("listening.plays-vobemusic.listening.TrackPlayed")).toEqual({
      subject: "listening.plays-vobemusic.listening.TrackPlayed",
      topic: "listening.plays",
      record: "vobemusic.listening.TrackPlayed",
      kind: "domain",
    });
  });

  it("is the topic's internal kind otherwise, and domain only for the prefix's own catalog", () => {
    expect(classifySubject("vobe-plays-per-track-play-ids-changelog-value").kind).toBe("changelog");
    expect(classifySubject("listening-dlq-vobemusic.x.Letter").kind).toBe("dead-letter");
    expect(classifySubject("no dash at all").kind).toBe("unknown");
    expect(
      classifySubject("t9-listening.plays-vobemusic.listening.TrackPlayed", {
        prefix: "t9-",
      }).kind,
    ).toBe("domain");
    expect(
      classifySubject("listening.plays-vobemusic.listening.TrackPlayed", { prefix: "t9-" }).kind,
    ).toBe("unknown");
  });
});
