import { describe, expect, it } from "vitest";
import { highlightParts } from "../src/api/highlight.ts";

describe("search highlights", () => {
  it("marks the hits and unescapes the text", () => {
    expect(highlightParts("Kid <em>A</em> &amp; B")).toEqual([
      { text: "Kid ", hit: false },
      { text: "A", hit: true },
      { text: " & B", hit: false },
    ]);
  });

  it("keeps markup a person wrote as text", () => {
    const parts = highlightParts("&lt;img src=x onerror=alert(1)&gt; <em>rock</em>");
    expect(parts[0]).toEqual({ text: "<img src=x onerror=alert(1)> ", hit: false });
    expect(parts[1]).toEqual({ text: "rock", hit: true });
  });
});
