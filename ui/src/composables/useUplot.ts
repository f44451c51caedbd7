/**
 * A uPlot chart's life in a component (ADR-022): uPlot is imported when a chart is first
 * drawn (its chunk, not the home page's), the chart is drawn again when `sources` change,
 * follows its box's width and is destroyed with the component. The component only says
 * what to draw, with the page's theme colours.
 *
 *   const box = ref<HTMLDivElement>();
 *   useUplot(box, { height: 110, minWidth: 160, sources: () => [props.history, locale.value],
 *     shown: () => props.history.length >= 2,
 *     options: (uPlot, colors) => ({ …uPlot options… }), data: () => data.value });
 */
import type uPlotClass from "uplot";
import { onBeforeUnmount, onMounted, type Ref, watch } from "vue";

type UPlot = typeof uPlotClass;

export interface ThemeColors {
  text: string;
  grid: string;
  accent: string;
}

export function useUplot(
  box: Ref<HTMLDivElement | undefined>,
  chart: {
    height: number;
    minWidth: number;
    /** What the chart is drawn from: a change draws it again. */
    sources: () => unknown[];
    /** False: nothing to draw (the component shows something else). */
    shown: () => boolean;
    options: (uPlot: UPlot, colors: ThemeColors) => Omit<uPlotClass.Options, "width" | "height">;
    data: () => uPlotClass.AlignedData;
  },
): void {
  let plot: uPlotClass | undefined;
  let observer: ResizeObserver | undefined;
  const width = (el: HTMLElement) => Math.max(chart.minWidth, el.clientWidth);

  const color = (el: HTMLElement, name: string, fallback: string) =>
    getComputedStyle(el).getPropertyValue(name).trim() || fallback;

  async function draw() {
    plot?.destroy();
    plot = undefined;
    const el = box.value;
    if (!el || !chart.shown() || !el.isConnected) return;
    const { default: uPlot } = await import("uplot");
    // The box may have gone or been replaced while uPlot loaded.
    if (el !== box.value) return;
    const colors = {
      text: color(el, "--text", "#888"),
      grid: color(el, "--border", "#444"),
      accent: color(el, "--accent", "#5b3fd9"),
    };
    plot = new uPlot(
      { ...chart.options(uPlot, colors), width: width(el), height: chart.height },
      chart.data(),
      el,
    );
    observer?.disconnect();
    observer = new ResizeObserver(() => plot?.setSize({ width: width(el), height: chart.height }));
    observer.observe(el);
  }

  onMounted(draw);
  watch(chart.sources, draw);
  onBeforeUnmount(() => {
    observer?.disconnect();
    plot?.destroy();
  });
}
