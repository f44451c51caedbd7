import type { ProcessorContext, ProcessorSupplier } from "../processor/api.ts";
import type { StreamRecord } from "../processor/record.ts";
import { passThrough } from "./internals/operators/stateless.ts";
import type { StreamState } from "./internals/stream-state.ts";
import { KStream } from "./kstream.ts";

type Predicate<K, V> = (key: K, value: V) => boolean;

/**
 * The branches of `stream.split()`: each record goes to the first branch whose
 * predicate matches, else to the default branch (if any).
 *
 *   const { hits, rest } = plays.split()
 *     .branch((_, p) => p.chartPosition <= 10, { name: "hits" })
 *     .defaultBranch({ name: "rest" });
 */
export class BranchedKStream<K, V> {
  private readonly branches: Array<{ name: string; predicate: Predicate<K, V> }> = [];

  /** @internal */
  constructor(
    private readonly parent: StreamState<K, V>,
    private readonly splitName: string,
  ) {}

  branch(predicate: Predicate<K, V>, options: { name?: string } = {}): BranchedKStream<K, V> {
    const name = options.name ?? String(this.branches.length + 1);
    if (this.branches.some((b) => b.name === name)) throw new Error(`branch ${name} exists twice`);
    this.branches.push({ name, predicate });
    return this;
  }

  defaultBranch(options: { name?: string } = {}): Record<string, KStream<K, V>> {
    return this.finish(options.name ?? "0");
  }

  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.finish(undefined);
  }

  private finish(defaultName: string | undefined): Record<string, KStream<K, V>> {
    const graph = this.parent.graph;
    const nodeOf = (branch: string) => `${this.splitName}-${branch}`;
    const routes = this.branches.map((b) => ({ predicate: b.predicate, child: nodeOf(b.name) }));
    const fallback = defaultName === undefined ? undefined : nodeOf(defaultName);
    graph.addProcessor(this.splitName, router(routes, fallback), [this.parent.node]);
    const names = [...this.branches.map((b) => b.name), ...(defaultName ? [defaultName] : [])];
    const result: Record<string, KStream<K, V>> = {};
    for (const name of names) {
      graph.addProcessor(nodeOf(name), passThrough(), [this.splitName]);
      result[name] = new KStream<K, V>({ ...this.parent, node: nodeOf(name) });
    }
    return result;
  }
}

function router<K, V>(
  routes: Array<{ predicate: Predicate<K, V>; child: string }>,
  fallback: string | undefined,
): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init(ctx) {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        const route = routes.find((r) => r.predicate(record.key, record.value));
        const child = route?.child ?? fallback;
        if (child !== undefined) context.forward(record, child);
      },
    };
  };
}
