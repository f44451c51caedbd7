import { describe, expect, it } from "vitest";
import { sniff } from "../../../platform/media/audio.ts";
import { resolveRange } from "../../../platform/media/range.ts";

describe("one byte range against an object of known size (RFC 9110 §14)", () => {
  const size = 1000;
  it.each([
    ["bytes=0-99", { start: 0, end: 99 }],
    ["bytes=500-", { start: 500, end: 999 }],
    ["bytes=-100", { start: 900, end: 999 }],
    ["bytes=-5000", { start: 0, end: 999 }],
    ["bytes=990-5000", { start: 990, end: 999 }],
    ["bytes=999-999", { start: 999, end: 999 }],
  ])("%s is a part", (header, range) => {
    expect(resolveRange(header, size)).toEqual({ kind: "partial", range });
  });

  it.each(["bytes=1000-", "bytes=1000-1001", "bytes=-0"])("%s is unsatisfiable", (header) => {
    expect(resolveRange(header, size)).toEqual({ kind: "unsatisfiable" });
  });

  it.each([undefined, "bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=-", "bytes=abc", ""])(
    "%s gets the whole object",
    (header) => {
      expect(resolveRange(header, size)).toEqual({ kind: "whole" });
    },
  );

  it("an empty object has no satisfiable range", () => {
    expect(resolveRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=-1", 0)).toEqual({ kind: "unsatisfiable" });
  });
});

describe("the container, by its magic bytes", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(
      parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))),
    );
  it.each([
    [bytes("OggS", [0, 2, 0, 0, 0, 0, 0, 0]), "audio/ogg"],
    [bytes("RIFF", [1, 2, 3, 4], "WAVE"), "audio/wav"],
    [bytes("ID3", [4, 0, 0, 0, 0, 0, 0, 0, 0]), "audio/mpeg"],
    [bytes([0xff, 0xfb, 0x90, 0x64]), "audio/mpeg"],
    [bytes([0xff, 0xf3, 0x90, 0x64]), "audio/mpeg"],
  ])("%s is %s", (head, type) => {
    expect(sniff(head)).toBe(type);
  });

  it.each([
    bytes("RIFF", [1, 2, 3, 4], "AVI "),
    bytes("fLaC", [0, 0, 0, 34]),
    bytes("<html><body>"),
    bytes([0xff, 0xf1, 0x50, 0x80]), // AAC ADTS: layer bits 00
    bytes("Ogg"),
    bytes(""),
  ])("%s is none of them", (head) => {
    expect(sniff(head)).toBeNull();
  });
});
