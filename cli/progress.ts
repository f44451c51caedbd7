import { MultiBar } from "cli-progress";

/**
 * A progress bar with rate and ETA for a long command, drawn only on a terminal (in a pipe
 * or a test the lines of the command are its output). Lines logged while it is drawn go
 * above it.
 */
export function progressBar(label: string) {
  if (!process.stderr.isTTY) return undefined;
  const bars = new MultiBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} records | {rate}/s | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 40,
  });
  let bar: ReturnType<MultiBar["create"]> | undefined;
  let last = { at: Date.now(), done: 0 };
  let rate = 0;
  return {
    update({ done, total }: { done: bigint; total: bigint }) {
      const value = Number(done);
      const now = Date.now();
      if (now - last.at >= 1000) {
        rate = Math.round(((value - last.done) * 1000) / (now - last.at));
        last = { at: now, done: value };
      }
      if (!bar) {
        bar = bars.create(Number(total), value, { rate: 0 });
        last = { at: now, done: value };
      } else {
        bar.setTotal(Number(total));
        bar.update(value, { rate });
      }
    },
    log(line: string) {
      if (bar) bars.log(`${line}\n`);
      else console.log(line);
    },
    stop() {
      bars.stop();
    },
  };
}
