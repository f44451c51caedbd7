import type { Serde } from "../serde/api.ts";
import { Serdes } from "../serde/serdes.ts";
import type { Windowed } from "../state/api.ts";
import { Stores } from "../state/stores.ts";
import { KGroupedTable } from "./grouped-table.ts";
import { endFirstWindowedSerde, timestampedSerde } from "./internals/internal-serdes.ts";
import {
  responseResolver,
  rightChangeFanOut,
  subscriptionReceiver,
  subscriptionSender,
} from "./internals/operators/fk-join.ts";
import { responseSerde, subscriptionSerde } from "./internals/operators/fk-join-messages.ts";
import { passThrough } from "./internals/operators/stateless.ts";
import { suppressUntilWindowCloses } from "./internals/operators/suppress.ts";
import { regroupChange } from "./internals/operators/table-aggregate.ts";
import { changeToStream, mapChange } from "./internals/operators/table-ops.ts";
import {
  joinRow,
  type TableJoinMode,
  tableJoinSide,
} from "./internals/operators/table-table-join.ts";
import type { StreamState } from "./internals/stream-state.ts";
import { derivedGetter, storeGetter, type ValueGetter } from "./internals/value-getter.ts";
import { KStream } from "./kstream.ts";
import { type Grouped, type KeyValue, type Named, required } from "./options.ts";
import type { Suppressed } from "./suppressed.ts";

/** Present on windowed tables: what suppress() needs to know about their windows. */
export interface Windowing {
  readonly keySerde: Serde<unknown>;
  /**
   * The stream time at which a window is final (no record can change it any more). It
   * grows with the window's end, so a buffer ordered by end is ordered by it too.
   */
  readonly closesAt: (window: Windowed<unknown>) => number;
}

/** Options of a foreign-key join; serdes default to the two tables' own. */
export interface ForeignKeyJoinOptions<VL, VR, VO> extends Named {
  leftValueSerde?: Serde<VL>;
  rightValueSerde?: Serde<VR>;
  /** Serde of the join result, which is materialized (default JSON). */
  valueSerde?: Serde<VO>;
  persistent?: boolean;
}

/**
 * A changelog: the latest value per key. Internally every update travels with the value
 * it replaces, so joins can retract rows and grouped aggregations can subtract.
 *
 *   const users = builder.table<string, User>("users", { keySerde, valueSerde });
 *   users.filter((_, u) => u.country === "FR").toStream().to("french-users");
 */
export class KTable<K, V> {
  /** @internal */
  constructor(
    readonly state: StreamState<K, V>,
    /** @internal How joins look up this table's current value by key. */
    readonly getter: ValueGetter<K, V>,
    /** @internal */
    readonly windowing?: Windowing,
  ) {}

  filter(predicate: (key: K, value: V) => boolean, options: Named = {}): KTable<K, V> {
    const keep = (key: K, value: V | null) =>
      value !== null && predicate(key, value) ? value : null;
    return this.mapped("KTABLE-FILTER", options, keep, this.state.valueSerde);
  }

  filterNot(predicate: (key: K, value: V) => boolean, options: Named = {}): KTable<K, V> {
    return this.filter((key, value) => !predicate(key, value), options);
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, options: Named = {}): KTable<K, V2> {
    const map = (key: K, value: V | null) => (value === null ? null : mapper(value, key));
    return this.mapped<V2>("KTABLE-MAPVALUES", options, map, undefined);
  }

  /** The table's updates as a stream; a deleted key arrives as a null value (tombstone). */
  toStream(options: Named = {}): KStream<K, V> {
    const graph = this.state.graph;
    const name = graph.nameFor("KTABLE-TOSTREAM", options.name);
    graph.addProcessor(name, changeToStream(), [this.state.node]);
    return new KStream<K, V>({ ...this.state, node: name });
  }

  /** Table-table inner join; or, with a foreign-key extractor, a foreign-key join. */
  join<VR, VO>(
    other: KTable<K, VR>,
    joiner: (left: V, right: VR) => VO,
    options?: Named,
  ): KTable<K, VO>;
  join<KR, VR, VO>(
    other: KTable<KR, VR>,
    foreignKey: (value: V) => KR,
    joiner: (left: V, right: VR) => VO,
    options?: ForeignKeyJoinOptions<V, VR, VO>,
  ): KTable<K, VO>;
  // biome-ignore lint/suspicious/noExplicitAny: dispatches on the overloads above.
  join(other: KTable<any, any>, a: any, b?: any, c?: any): KTable<K, unknown> {
    if (typeof b === "function") return this.foreignKeyJoin(true, other, a, b, c ?? {});
    return this.tableJoin("inner", other, a, b ?? {});
  }

  leftJoin<VR, VO>(
    other: KTable<K, VR>,
    joiner: (left: V, right: VR | null) => VO,
    options?: Named,
  ): KTable<K, VO>;
  leftJoin<KR, VR, VO>(
    other: KTable<KR, VR>,
    foreignKey: (value: V) => KR,
    joiner: (left: V, right: VR | null) => VO,
    options?: ForeignKeyJoinOptions<V, VR, VO>,
  ): KTable<K, VO>;
  // biome-ignore lint/suspicious/noExplicitAny: dispatches on the overloads above.
  leftJoin(other: KTable<any, any>, a: any, b?: any, c?: any): KTable<K, unknown> {
    if (typeof b === "function") return this.foreignKeyJoin(false, other, a, b, c ?? {});
    return this.tableJoin("left", other, a, b ?? {});
  }

  outerJoin<VR, VO>(
    other: KTable<K, VR>,
    joiner: (left: V | null, right: VR | null) => VO,
    options: Named = {},
  ): KTable<K, VO> {
    return this.tableJoin("outer", other, joiner, options);
  }

  /** Re-keys rows for an aggregation with adder and subtractor; always repartitions. */
  groupBy<K2, V2>(
    selector: (key: K, value: V) => KeyValue<K2, V2>,
    grouped: Grouped<K2, V2> = {},
  ): KGroupedTable<K2, V2> {
    const graph = this.state.graph;
    const name = graph.nameFor("KTABLE-SELECT", grouped.name && `${grouped.name}-select`);
    graph.addProcessor(name, regroupChange(selector), [this.state.node]);
    return new KGroupedTable<K2, V2>(
      {
        graph,
        node: name,
        keySerde: grouped.keySerde,
        valueSerde: grouped.valueSerde,
        keyChanged: true,
      },
      grouped.name,
    );
  }

  /**
   * Windowed tables only: holds each window's updates back and emits its final value
   * once, when the window closes (stream time >= end + grace).
   */
  suppress(suppressed: Suppressed, options: Named = {}): KTable<K, V> {
    if (suppressed.kind !== "until-window-closes" || !this.windowing) {
      throw new Error("suppress(untilWindowCloses()) needs a windowed table (windowedBy)");
    }
    const graph = this.state.graph;
    const name = graph.nameFor("KTABLE-SUPPRESS", options.name);
    const storeName = `${name}-store`;
    const valueSerde = required(this.state.valueSerde, `${name} value`);
    graph.addStore(
      Stores.keyValue(storeName, {
        keySerde: endFirstWindowedSerde(this.windowing.keySerde),
        valueSerde: timestampedSerde(valueSerde),
      }),
    );
    const supplier = suppressUntilWindowCloses(storeName, this.windowing.closesAt);
    graph.addProcessor(name, supplier, [this.state.node], [storeName]);
    return new KTable<K, V>({ ...this.state, node: name }, this.getter, this.windowing);
  }

  private mapped<V2>(
    prefix: string,
    options: Named,
    fn: (key: K, value: V | null) => V2 | null,
    valueSerde: Serde<V2> | undefined,
  ): KTable<K, V2> {
    const graph = this.state.graph;
    const name = graph.nameFor(prefix, options.name);
    graph.addProcessor(name, mapChange<K, V, V2>(fn), [this.state.node]);
    return new KTable<K, V2>(
      { ...this.state, node: name, valueSerde },
      derivedGetter(this.getter, fn),
      this.windowing,
    );
  }

  private tableJoin<VR, VO>(
    mode: TableJoinMode,
    other: KTable<K, VR>,
    joiner: (left: V | null, right: VR | null) => VO,
    options: Named,
  ): KTable<K, VO> {
    const graph = this.state.graph;
    const base = graph.nameFor(`KTABLE-${mode.toUpperCase()}JOIN`, options.name);
    const row = joinRow<V, VR, VO>(mode, joiner);
    graph.addProcessor(
      `${base}-this`,
      tableJoinSide(other.getter, row),
      [this.state.node],
      other.getter.stores,
    );
    const mirrored = (right: VR | null, left: V | null) => row(left, right);
    graph.addProcessor(
      `${base}-other`,
      tableJoinSide(this.getter, mirrored),
      [other.state.node],
      this.getter.stores,
    );
    graph.addProcessor(`${base}-merge`, passThrough(), [`${base}-this`, `${base}-other`]);
    const getter: ValueGetter<K, VO> = {
      stores: [...this.getter.stores, ...other.getter.stores],
      open: (context) => {
        const left = this.getter.open(context);
        const right = other.getter.open(context);
        return (key) => row(left(key), right(key));
      },
    };
    return new KTable<K, VO>(
      { ...this.state, node: `${base}-merge`, valueSerde: undefined },
      getter,
    );
  }

  /**
   * KIP-213 foreign-key join: the left row subscribes to its foreign key through
   * `<name>-subscription-registration-topic` (partitioned like the right table), the
   * right side keeps the subscriptions and answers through
   * `<name>-subscription-response-topic` (partitioned like the left table), and the left
   * side keeps an answer only if the left row still hashes the same.
   */
  private foreignKeyJoin<KR, VR, VO>(
    inner: boolean,
    right: KTable<KR, VR>,
    foreignKey: (value: V) => KR,
    joiner: (left: V, right: VR | null) => VO,
    options: ForeignKeyJoinOptions<V, VR, VO>,
  ): KTable<K, VO> {
    const graph = this.state.graph;
    const base = graph.nameFor("KTABLE-FK-JOIN", options.name);
    const leftKeySerde = required(this.state.keySerde, `${base} left key`);
    const leftValueSerde = required(
      options.leftValueSerde ?? this.state.valueSerde,
      `${base} left value`,
    );
    const rightKeySerde = required(right.state.keySerde, `${base} right key`);
    const rightValueSerde = required(
      options.rightValueSerde ?? right.state.valueSerde,
      `${base} right value`,
    );
    const resultSerde = options.valueSerde ?? Serdes.json<VO>();
    const subscriptionTopic = `${base}-subscription-registration-topic`;
    const responseTopic = `${base}-subscription-response-topic`;
    const subscriptionStore = `${base}-subscription-store`;
    const resultStore = `${base}-store`;
    const names = {
      sender: `${base}-subscription-sender`,
      receiver: `${base}-subscription-receiver`,
      fanOut: `${base}-right-fan-out`,
      resolver: `${base}-response-resolver`,
    };
    const responses = responseSerde(rightValueSerde);
    const flags = options.persistent === undefined ? {} : { persistent: options.persistent };
    graph.addStore(
      Stores.keyValue(subscriptionStore, {
        keySerde: Serdes.bytes(),
        valueSerde: subscriptionSerde(),
        ...flags,
      }),
    );
    graph.addStore(
      Stores.keyValue(resultStore, { keySerde: leftKeySerde, valueSerde: resultSerde, ...flags }),
    );

    // Left side: subscribe.
    const sender = subscriptionSender<K, V, KR>({
      foreignKey,
      leftKeySerde,
      leftValueSerde,
      rightKeySerde,
      inner,
      children: { subscriptionSink: `${subscriptionTopic}-sink`, localResolver: names.resolver },
    });
    graph.addProcessor(names.sender, sender, [this.state.node]);
    graph.addInternalTopic(subscriptionTopic, "subscription", right.state.node);
    graph.addSink(
      `${subscriptionTopic}-sink`,
      subscriptionTopic,
      Serdes.bytes(),
      subscriptionSerde(),
      names.sender,
    );

    // Right side: remember subscriptions, answer them and fan right changes out.
    const subscriptions = graph.addSource(
      `${subscriptionTopic}-source`,
      [subscriptionTopic],
      Serdes.bytes(),
      subscriptionSerde(),
    );
    const receiver = subscriptionReceiver<KR, VR>({
      subscriptionStore,
      rightTable: right.getter,
      rightKeySerde,
    });
    graph.addProcessor(
      names.receiver,
      receiver,
      [subscriptions],
      [subscriptionStore, ...right.getter.stores],
    );
    graph.addProcessor(
      names.fanOut,
      rightChangeFanOut<KR, VR>({ subscriptionStore, rightKeySerde }),
      [right.state.node],
      [subscriptionStore],
    );
    graph.addInternalTopic(responseTopic, "response", this.state.node);
    graph.addSink(
      `${responseTopic}-sink`,
      responseTopic,
      Serdes.bytes(),
      responses,
      names.receiver,
    );
    graph.addSink(
      `${responseTopic}-fan-out-sink`,
      responseTopic,
      Serdes.bytes(),
      responses,
      names.fanOut,
    );

    // Left side: resolve answers into join rows.
    const answers = graph.addSource(
      `${responseTopic}-source`,
      [responseTopic],
      Serdes.bytes(),
      responses,
    );
    const resolver = responseResolver<K, V, VR, VO>({
      nodeName: names.resolver,
      resultStore,
      leftTable: this.getter,
      leftKeySerde,
      leftValueSerde,
      joiner,
      inner,
    });
    graph.addProcessor(
      names.resolver,
      resolver,
      [answers, names.sender],
      [resultStore, ...this.getter.stores],
    );
    return new KTable<K, VO>(
      {
        graph,
        node: names.resolver,
        keySerde: leftKeySerde,
        valueSerde: resultSerde,
        keyChanged: false,
      },
      storeGetter(resultStore),
    );
  }
}
