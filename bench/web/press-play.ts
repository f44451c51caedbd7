// From pressing play to audible audio, in Debian's Chromium driven by playwright-core as the
// browser tests drive it, against the running platform (`./vobe start`), p50/p99 over
// `--tries` tries (issue 10: 50).
//
//   npx tsx bench/web/press-play.ts [--tries 50] [--max-minutes 20]
//
// Three sides per try, each in a fresh browser context (an empty cache) on the same track
// page of a demo track with audio, in an order that alternates from try to try:
//
// - app: a click on the track page's Play button → the player bar's <audio> element's clock
//   moves (currentTime > 0: the first decoded audio has reached the output). Also the time
//   to its `playing` event. This is the whole path: the store, the bar mounting, the audio
//   request through the gateway, the decoder.
// - raw request (the baseline): `fetch()` of the same audio URL from the same page, the whole
//   file (Range bytes=0-, as a media element asks), no cache: what the bytes alone cost.
// - bare <audio>: a click on a button the bench adds to the same page, whose listener does
//   `new Audio(url).play()` → its clock moves: what the browser itself needs to start the
//   same file, without the app.
//
// app ÷ raw request says what starting playback costs beyond fetching the file; app ÷ bare
// <audio> says what the app adds to the browser's own start. One untimed try of each side
// first. The clocks are the page's own (performance.now()); the end is polled every 1 ms.
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { openWeb } from "../../tests/browser/support/browser.ts";
import {
  demoCatalog,
  getJson,
  ms,
  pollPage,
  printTable,
  ratio,
  type Summary,
  summary,
  writeResults,
} from "../support/web.ts";

const { values: args } = parseArgs({
  options: {
    tries: { type: "string", default: "50" },
    // On a crowded machine: stop after this many minutes with the tries done so far.
    "max-minutes": { type: "string" },
  },
});
const tries = Number(args.tries);
const stopAt = args["max-minutes"]
  ? performance.now() + Number(args["max-minutes"]) * 60_000
  : Number.POSITIVE_INFINITY;

type Side = "app" | "raw" | "bare";
interface Track {
  trackId: string;
  title: string;
  audio: { url: string; mimeType: string; durationMs: number } | null;
}

// Page code as strings: the benches' TypeScript has no DOM types.
/** Marks the first click and then polls until some <audio> in the page has a moving clock. */
const watchPlaybackJs = `(() => {
  const mark = { click: undefined, playing: undefined, audible: undefined };
  window.__bench = mark;
  document.addEventListener("playing", () => { mark.playing ??= performance.now(); }, true);
  document.addEventListener("click", () => {
    if (mark.click !== undefined) return;
    mark.click = performance.now();
    const poll = setInterval(() => {
      const moving = [...document.querySelectorAll("audio"), ...(window.__benchAudio ? [window.__benchAudio] : [])]
        .some((a) => a.currentTime > 0);
      if (moving) { mark.audible = performance.now(); clearInterval(poll); }
    }, 1);
  }, true);
})()`;

/** A plain button whose listener starts the file in a bare Audio element (a user gesture). */
const bareButtonJs = (url: string) => `(() => {
  const button = document.createElement("button");
  button.id = "bench-bare-play";
  button.textContent = "bare play";
  button.style = "position:fixed;top:0;left:0;z-index:9999";
  button.addEventListener("click", () => {
    const audio = new Audio(${JSON.stringify(url)});
    window.__benchAudio = audio;
    void audio.play();
  });
  document.body.append(button);
})()`;

const rawFetchJs = (url: string) => `(async () => {
  const started = performance.now();
  const res = await fetch(${JSON.stringify(url)}, { cache: "no-store", headers: { range: "bytes=0-" } });
  const firstByte = performance.now() - started;
  const bytes = (await res.arrayBuffer()).byteLength;
  return { status: res.status, firstByte, whole: performance.now() - started, bytes };
})()`;

interface Marks {
  click?: number;
  playing?: number;
  audible?: number;
}

const waitForAudible = (page: Page) =>
  pollPage<Marks>(page, "window.__bench.audible !== undefined && window.__bench", "audible audio");

async function main() {
  const { audioTrackIds } = demoCatalog();
  const tracks: Track[] = [];
  for (const id of audioTrackIds) {
    const track = await getJson<Track>(`/api/artist/tracks/${id}`);
    if (track.audio) tracks.push(track);
  }
  if (tracks.length === 0)
    throw new Error("no demo track has audio: start the platform with ./vobe start");

  const web = await openWeb();
  const samples: Record<string, number[]> = {
    appAudible: [],
    appPlaying: [],
    rawWhole: [],
    rawFirstByte: [],
    bareAudible: [],
  };
  let bytes = 0;
  const failures: string[] = [];
  let done = 0;

  async function once(side: Side, track: Track, record: boolean) {
    const page = await web.page();
    page.setDefaultTimeout(60_000);
    try {
      await page.goto(`/tracks/${track.trackId}`);
      const play = page.getByRole("main").getByTestId("play");
      await play.waitFor();
      const url = track.audio?.url as string;
      if (side === "raw") {
        const r = (await page.evaluate(rawFetchJs(url))) as {
          status: number;
          firstByte: number;
          whole: number;
          bytes: number;
        };
        if (r.status !== 200 && r.status !== 206) throw new Error(`${url} answered ${r.status}`);
        bytes = r.bytes;
        if (record) {
          samples.rawWhole?.push(r.whole);
          samples.rawFirstByte?.push(r.firstByte);
        }
        return;
      }
      await page.evaluate(watchPlaybackJs);
      if (side === "app") {
        await play.click();
      } else {
        await page.evaluate(bareButtonJs(url));
        await page.locator("#bench-bare-play").click();
      }
      const marks = await waitForAudible(page);
      const click = marks.click as number;
      if (record && side === "app") {
        samples.appAudible?.push((marks.audible as number) - click);
        samples.appPlaying?.push((marks.playing ?? Number.NaN) - click);
      } else if (record) {
        samples.bareAudible?.push((marks.audible as number) - click);
      }
    } finally {
      await page.context().close();
    }
  }

  const sides: Side[] = ["app", "raw", "bare"];
  try {
    for (const side of sides) await once(side, tracks[0] as Track, false);
    for (let i = 0; i < tries; i++) {
      if (performance.now() > stopAt) {
        console.log(`--max-minutes reached after ${done} tries`);
        break;
      }
      const track = tracks[i % tracks.length] as Track;
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        // A try that fails (a page that did not come in 60 s on a loaded machine) is counted
        // and left out, not the end of the run.
        await once(side, track, true).catch((error: unknown) => {
          failures.push(`${side} try ${i + 1}: ${String(error).split("\n")[0]}`);
          console.log(`failed: ${failures.at(-1)}`);
        });
      }
      done = i + 1;
      if (done % 10 === 0) console.log(`${done}/${tries} tries`);
    }
  } finally {
    await web.close();
  }

  const s: Record<string, Summary> = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, summary(v)]),
  );
  const base = s.rawWhole as Summary;
  const bare = s.bareAudible as Summary;
  const row = (name: string, x: Summary) => [
    name,
    String(x.n),
    ms(x.p50),
    ms(x.p90),
    ms(x.p99),
    `${ratio(x.p50, base.p50)} / ${ratio(x.p99, base.p99)}`,
    `${ratio(x.p50, bare.p50)} / ${ratio(x.p99, bare.p99)}`,
  ];
  console.log(
    `\npress play → audible audio, ${done} tries over ${tracks.length} demo tracks (Ogg Vorbis, last file ${(bytes / 1024).toFixed(0)} KB), a fresh context per side and try\n`,
  );
  printTable(
    [
      "path",
      "tries",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "÷ raw request (p50 / p99)",
      "÷ bare <audio> (p50 / p99)",
    ],
    [
      row("app: click Play → clock moves", s.appAudible as Summary),
      row("app: click Play → `playing` event", s.appPlaying as Summary),
      row("bare <audio>: click → clock moves", bare),
      row("raw request: first byte", s.rawFirstByte as Summary),
      row("raw request: whole file (baseline)", base),
    ],
  );
  if (failures.length > 0)
    console.log(`\n${failures.length} failed tries, left out:\n${failures.join("\n")}`);
  const file = writeResults("press-play", {
    tries: done,
    tracks: tracks.length,
    samples,
    summary: s,
    failures,
  });
  console.log(`\nresults: ${file}`);
}

await main();
