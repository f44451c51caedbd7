import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/client.ts";
import AudioUpload from "../src/components/dashboard/AudioUpload.vue";
import {
  checkFile,
  durationProblem,
  percentOf,
  type UploadRequest,
  uploadAudio,
  uploadTypeOf,
} from "../src/components/dashboard/upload.ts";
import { plugins } from "./setup.ts";

// happy-dom decodes no audio: the duration probe answers what each test says.
const probe = vi.hoisted(() => ({ durationMs: 20_000 as number | undefined }));
vi.mock("../src/components/dashboard/upload.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../src/components/dashboard/upload.ts")>()),
  probeDuration: async () => probe.durationMs,
}));

/** An XMLHttpRequest the test drives: progress events, then the answer. */
class FakeRequest implements UploadRequest {
  static last: FakeRequest | undefined;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: Blob | undefined;
  status = 0;
  responseText = "";
  aborted = false;
  upload: UploadRequest["upload"] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeRequest.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: Blob) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  getResponseHeader(name: string) {
    return name === "retry-after" ? null : null;
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total });
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const accepted = {
  id: "t1",
  eventId: "e1",
  topic: "artist.tracks",
  partition: 0,
  offset: "9",
  position: "artist.tracks:0:9",
  audio: {
    contentHash: "a".repeat(64),
    codec: "vorbis",
    mimeType: "audio/ogg",
    durationMs: 2_000,
    sizeBytes: 2_048,
    url: `/api/artist/audio/${"a".repeat(64)}`,
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
  probe.durationMs = 20_000;
});

describe("upload checks", () => {
  it("takes the type from the browser, else from the extension, and refuses others", () => {
    expect(uploadTypeOf({ name: "a.bin", type: "audio/x-wav" })).toBe("audio/wav");
    expect(uploadTypeOf({ name: "a.ogg", type: "" })).toBe("audio/ogg");
    expect(uploadTypeOf({ name: "a.MP3", type: "" })).toBe("audio/mpeg");
    expect(uploadTypeOf({ name: "a.ogg", type: "text/plain" })).toBeUndefined();
    expect(checkFile({ name: "notes.txt", type: "text/plain", size: 10 })).toBe("type");
  });

  it("refuses a file over the size limit and audio outside the duration limits", () => {
    const limits = { maxBytes: 100, minDurationMs: 1_000, maxDurationMs: 60_000 };
    expect(checkFile({ name: "a.ogg", type: "audio/ogg", size: 100 }, limits)).toBeUndefined();
    expect(checkFile({ name: "a.ogg", type: "audio/ogg", size: 101 }, limits)).toBe("size");
    expect(durationProblem(999, limits)).toBe("short");
    expect(durationProblem(60_001, limits)).toBe("long");
    expect(durationProblem(30_000, limits)).toBeUndefined();
    // Unknown to the browser: the server decides.
    expect(durationProblem(undefined, limits)).toBeUndefined();
  });

  it("counts whole percent and says 100 only when every byte is sent", () => {
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(996, 1000)).toBe(99);
    expect(percentOf(1000, 1000)).toBe(100);
  });
});

describe("uploadAudio", () => {
  const file = new Blob(["OggS"], { type: "audio/ogg" });

  it("sends the file with its type and token and reports progress up to 100", async () => {
    const seen: number[] = [];
    const done = uploadAudio({
      trackId: "t1",
      file,
      type: "audio/ogg",
      token: "tok",
      onProgress: (p) => seen.push(p),
      request: () => new FakeRequest(),
    });
    const request = FakeRequest.last as FakeRequest;
    expect([request.method, request.url]).toEqual(["POST", "/api/artist/tracks/t1/audio"]);
    expect(request.headers).toMatchObject({
      "content-type": "audio/ogg",
      authorization: "Bearer tok",
    });
    expect(request.body).toBe(file);
    request.progress(250, 1000);
    request.progress(999, 1000);
    request.progress(1000, 1000);
    request.answer(202, accepted);
    expect(await done).toEqual(accepted);
    expect(seen).toEqual([0, 25, 99, 100, 100]);
  });

  it("turns a refusal into the API's error code", async () => {
    const done = uploadAudio({
      trackId: "t1",
      file,
      type: "audio/ogg",
      token: "tok",
      onProgress: () => {},
      request: () => new FakeRequest(),
    });
    (FakeRequest.last as FakeRequest).answer(400, {
      error: { code: "audio_duration", message: "too long" },
    });
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "audio_duration" });
  });

  it("says network when the request fails, and stops when aborted", async () => {
    const failed = uploadAudio({
      trackId: "t1",
      file,
      type: "audio/ogg",
      token: undefined,
      onProgress: () => {},
      request: () => new FakeRequest(),
    });
    expect((FakeRequest.last as FakeRequest).headers.authorization).toBeUndefined();
    (FakeRequest.last as FakeRequest).onerror?.();
    await expect(failed).rejects.toMatchObject({ code: "network" });

    const controller = new AbortController();
    const cancelled = uploadAudio({
      trackId: "t1",
      file,
      type: "audio/ogg",
      token: "tok",
      onProgress: () => {},
      signal: controller.signal,
      request: () => new FakeRequest(),
    });
    controller.abort();
    expect((FakeRequest.last as FakeRequest).aborted).toBe(true);
    await expect(cancelled).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("AudioUpload", () => {
  const choose = async (wrapper: ReturnType<typeof mount>, file: File) => {
    const input = wrapper.get("input[type=file]").element as HTMLInputElement;
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    await wrapper.get("form").trigger("submit");
    await flushPromises();
  };

  it("refuses a wrong type at once, without sending anything", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    FakeRequest.last = undefined;
    const wrapper = mount(AudioUpload, { props: { trackId: "t1", title: "Tone" }, ...plugins() });
    await choose(wrapper, new File(["hello"], "notes.txt", { type: "text/plain" }));
    expect(wrapper.get("[role=alert]").text()).toBe("This file is not Ogg, MP3 or WAV audio.");
    expect(FakeRequest.last).toBeUndefined();
  });

  it("refuses audio longer than the platform takes, from the probed duration", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    FakeRequest.last = undefined;
    probe.durationMs = 21 * 60_000;
    const wrapper = mount(AudioUpload, { props: { trackId: "t1", title: "Tone" }, ...plugins() });
    await choose(wrapper, new File(["OggS"], "long.ogg", { type: "audio/ogg" }));
    expect(wrapper.get("[role=alert]").text()).toBe("This audio is longer than 20:00.");
    expect(FakeRequest.last).toBeUndefined();
  });

  it("shows the bytes sent on a progress bar, then what the platform stored", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const wrapper = mount(AudioUpload, { props: { trackId: "t1", title: "Tone" }, ...plugins() });
    await choose(wrapper, new File(["OggS"], "tone.ogg", { type: "audio/ogg" }));
    const request = FakeRequest.last as FakeRequest;
    request.progress(40, 100);
    await flushPromises();
    const bar = wrapper.get("progress");
    expect(bar.attributes("value")).toBe("40");
    expect(bar.attributes("aria-valuetext")).toBe("40% sent");
    request.progress(100, 100);
    request.answer(202, accepted);
    await flushPromises();
    expect(wrapper.get("progress").attributes("value")).toBe("100");
    expect(wrapper.get("[role=status]").text()).toBe("Audio uploaded: 0:02, 2 KB.");
    expect(wrapper.emitted("uploaded")?.[0]).toEqual([accepted]);
  });

  it("shows the platform's refusal in words", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const wrapper = mount(AudioUpload, { props: { trackId: "t1", title: "Tone" }, ...plugins() });
    await choose(wrapper, new File(["OggS"], "tone.ogg", { type: "audio/ogg" }));
    (FakeRequest.last as FakeRequest).answer(413, {
      error: { code: "audio_too_large", message: "" },
    });
    await flushPromises();
    expect(wrapper.get("[role=alert]").text()).toBe("This file is too large for the platform.");
  });
});
