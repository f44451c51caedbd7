import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { type StreamRecord, withKeyValue } from "../../../processor/record.ts";
import type { Serde } from "../../../serde/api.ts";
import type { KeyValueStore } from "../../../state/api.ts";
import { type Change, change } from "../change.ts";
import type { ValueGetter } from "../value-getter.ts";
import {
  hashOf,
  type Instruction,
  type Response,
  type Subscription,
  sameHash,
  subscriberKey,
} from "./fk-join-messages.ts";

/** Node names the left side's sender forwards to. */
export interface SenderChildren {
  subscriptionSink: string;
  /** The resolver, for answers the left side can give itself (no foreign key to ask). */
  localResolver: string;
}

/**
 * Left side, step 1: on each left-table change, (un)subscribe the left key at its
 * foreign key(s). A row whose foreign key changed unsubscribes from the old one first.
 */
export function subscriptionSender<KL, VL, KR>(options: {
  foreignKey: (value: VL) => KR | null;
  leftKeySerde: Serde<KL>;
  leftValueSerde: Serde<VL>;
  rightKeySerde: Serde<KR>;
  inner: boolean;
  children: SenderChildren;
}): ProcessorSupplier<KL, Change<VL>, Buffer, Subscription | Response<never>> {
  const { foreignKey, leftKeySerde, leftValueSerde, rightKeySerde, inner, children } = options;
  const fkBytes = (value: VL | null): Buffer | null => {
    if (value === null) return null;
    const fk = foreignKey(value);
    return fk === null || fk === undefined ? null : rightKeySerde.serialize(fk, "");
  };
  return () => {
    let context: ProcessorContext<Buffer, Subscription | Response<never>>;
    return {
      init(ctx) {
        context = ctx;
      },
      process(record) {
        const leftKey = leftKeySerde.serialize(record.key, "");
        if (leftKey === null) return;
        const { newValue, oldValue } = record.value;
        const newFk = fkBytes(newValue);
        const oldFk = fkBytes(oldValue);
        const hash = hashOf(newValue === null ? null : leftValueSerde.serialize(newValue, ""));
        const subscribe = (fk: Buffer, instruction: Instruction): void => {
          const subscription: Subscription = { leftKey, hash, instruction };
          context.forward(withKeyValue(record, fk, subscription), children.subscriptionSink);
        };
        const answerLocally = (): void => {
          const response: Response<never> = { hash, rightValue: null };
          context.forward(withKeyValue(record, leftKey, response), children.localResolver);
        };
        const moved = oldFk !== null && (newFk === null || !oldFk.equals(newFk));
        if (newValue === null) {
          if (oldFk !== null) subscribe(oldFk, "delete-and-propagate");
          else answerLocally();
          return;
        }
        if (moved) subscribe(oldFk, "delete-no-propagate");
        if (newFk === null) {
          answerLocally();
          return;
        }
        // An update always asks for an answer, found or not (Kafka Streams does the same):
        // an inner row already joined must be retracted if its right row is gone. The
        // right side's delete may have answered the row's previous subscription while
        // this update was on its way; that answer carries the old hash and is dropped,
        // so only this one can retract the row. A new row has nothing to retract.
        const mustAnswer = !inner || oldValue !== null;
        subscribe(
          newFk,
          mustAnswer ? "propagate-null-if-no-fk-value" : "propagate-only-if-fk-value",
        );
      },
    };
  };
}

/**
 * Right side, step 2: records each subscription in the subscription store and answers
 * with the right table's current value for that foreign key.
 */
export function subscriptionReceiver<KR, VR>(options: {
  subscriptionStore: string;
  rightTable: ValueGetter<KR, VR>;
  rightKeySerde: Serde<KR>;
}): ProcessorSupplier<Buffer, Subscription, Buffer, Response<VR>> {
  return () => {
    let context: ProcessorContext<Buffer, Response<VR>>;
    let subscriptions: KeyValueStore<Buffer, Subscription>;
    let getRight: (key: KR) => VR | null;
    return {
      init(ctx) {
        context = ctx;
        subscriptions = ctx.getStateStore(options.subscriptionStore);
        getRight = options.rightTable.open(ctx as ProcessorContext<unknown, unknown>);
      },
      process(record) {
        const fk = record.key;
        const subscription = record.value;
        if (fk === null || subscription === null) return;
        const storeKey = subscriberKey(fk, subscription.leftKey);
        const { instruction, hash, leftKey } = subscription;
        if (instruction === "delete-and-propagate" || instruction === "delete-no-propagate") {
          subscriptions.delete(storeKey);
        } else subscriptions.put(storeKey, subscription);
        if (instruction === "delete-no-propagate") return;
        const rightValue =
          instruction === "delete-and-propagate"
            ? null
            : getRight(options.rightKeySerde.deserialize(fk, "") as KR);
        if (rightValue === null && instruction === "propagate-only-if-fk-value") return;
        context.forward(withKeyValue(record, leftKey, { hash, rightValue }));
      },
    };
  };
}

/** Right side: a right-table change is answered to every left key subscribed to it. */
export function rightChangeFanOut<KR, VR>(options: {
  subscriptionStore: string;
  rightKeySerde: Serde<KR>;
}): ProcessorSupplier<KR, Change<VR>, Buffer, Response<VR>> {
  return () => {
    let context: ProcessorContext<Buffer, Response<VR>>;
    let subscriptions: KeyValueStore<Buffer, Subscription>;
    return {
      init(ctx) {
        context = ctx;
        subscriptions = ctx.getStateStore(options.subscriptionStore);
      },
      process(record) {
        const fk = options.rightKeySerde.serialize(record.key, "");
        if (fk === null) return;
        const subscribers = [...subscriptions.prefixScan(subscriberKey(fk))];
        for (const [, { leftKey, hash }] of subscribers) {
          const response = { hash, rightValue: record.value.newValue };
          context.forward(withKeyValue(record, leftKey, response));
        }
      },
    };
  };
}

/**
 * Left side, step 3: turns an answer into a join row, unless the left row has changed
 * since it asked (the hash differs): a newer answer is on its way. The result is
 * materialized so downstream sees old values (Change) like from any other table.
 */
export function responseResolver<KL, VL, VR, VO>(options: {
  nodeName: string;
  resultStore: string;
  leftTable: ValueGetter<KL, VL>;
  leftKeySerde: Serde<KL>;
  leftValueSerde: Serde<VL>;
  joiner: (left: VL, right: VR | null) => VO;
  inner: boolean;
}): ProcessorSupplier<Buffer, Response<VR>, KL, Change<VO>> {
  return () => {
    let context: ProcessorContext<KL, Change<VO>>;
    let results: KeyValueStore<KL, VO>;
    let getLeft: (key: KL) => VL | null;
    return {
      init(ctx) {
        context = ctx;
        results = ctx.getStateStore(options.resultStore);
        getLeft = options.leftTable.open(ctx as ProcessorContext<unknown, unknown>);
      },
      process(record: StreamRecord<Buffer, Response<VR>>) {
        const key = options.leftKeySerde.deserialize(record.key, "") as KL;
        const left = getLeft(key);
        const currentHash = hashOf(
          left === null ? null : options.leftValueSerde.serialize(left, ""),
        );
        if (!sameHash(currentHash, record.value.hash)) return;
        const { rightValue } = record.value;
        const row =
          left === null || (rightValue === null && options.inner)
            ? null
            : options.joiner(left, rightValue);
        const previous = results.get(key) ?? null;
        if (row === null && previous === null) return;
        if (row === null) results.delete(key);
        else results.put(key, row);
        context.forward(withKeyValue(record, key, change(row, previous)));
      },
    };
  };
}
