import type { Serde } from "../serde/api.ts";
import type { StoreSpec } from "../topology/spec.ts";
import type { BytesStore } from "./api.ts";
import { BytesKeyValueStore } from "./key-value-store.ts";
import { BytesSessionStore } from "./session-store.ts";
import { BytesWindowStore } from "./window-store.ts";

export interface StoreOptions<K, V> {
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  /** On disk (LMDB) in the runtime; default false. Only recorded here: the runtime picks the bytes store. */
  persistent?: boolean;
  /** Backed by a changelog topic; default true. */
  logged?: boolean;
  /**
   * Behind the record cache when the runtime has one (`cacheMaxBytes` > 0); default
   * false. Only for stores whose processor forwards through the cache's flush listener
   * (the DSL's aggregations): a cached store forwards nothing by itself.
   */
  cached?: boolean;
}

export interface WindowStoreOptions<K, V> extends StoreOptions<K, V> {
  retentionMs: number;
  windowSizeMs: number;
}

export interface SessionStoreOptions<K, V> extends StoreOptions<K, V> {
  retentionMs: number;
}

/**
 * Store declarations. A StoreSpec says what a store is; the runtime (or the test driver)
 * gives each task a BytesStore and `build` wraps it in the typed store.
 *
 *   builder.addStateStore(Stores.keyValue("seen", { keySerde: Serdes.string(), valueSerde: Serdes.long() }));
 */
export const Stores = {
  keyValue<K, V>(name: string, options: StoreOptions<K, V>): StoreSpec {
    return {
      ...common(name, "key-value", options),
      build: (bytes: BytesStore) =>
        new BytesKeyValueStore(name, bytes, options.keySerde, options.valueSerde),
    };
  },

  window<K, V>(name: string, options: WindowStoreOptions<K, V>): StoreSpec {
    return {
      ...common(name, "window", options),
      retentionMs: options.retentionMs,
      build: (bytes: BytesStore) =>
        new BytesWindowStore(
          name,
          bytes,
          options.keySerde,
          options.valueSerde,
          options.windowSizeMs,
        ),
    };
  },

  session<K, V>(name: string, options: SessionStoreOptions<K, V>): StoreSpec {
    return {
      ...common(name, "session", options),
      retentionMs: options.retentionMs,
      build: (bytes: BytesStore) =>
        new BytesSessionStore(name, bytes, options.keySerde, options.valueSerde),
    };
  },
};

function common<K, V>(name: string, kind: StoreSpec["kind"], options: StoreOptions<K, V>) {
  return {
    name,
    kind,
    persistent: options.persistent ?? false,
    logged: options.logged ?? true,
    cached: options.cached ?? false,
  };
}
