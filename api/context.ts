/**
 * What every service plugin gets: the event types (possibly prefixed), the producers, the
 * auth checks, and the views derived from the topics.
 */
import type { KafkaProducer } from "../platform/kafka/index.ts";
import type { KeyStore } from "../platform/pii/key-store.ts";
import type { EventProducer } from "../producers/index.ts";
import type { AtomicWriter } from "./events/atomic.ts";
import type { EventTypes } from "./events/event-types.ts";
import type { Auth } from "./http/auth.ts";
import type { ReadContext } from "./read/context.ts";
import type { SharedViews } from "./state/shared-views.ts";
import type { ViewSource } from "./state/topic-view.ts";

export interface ApiContext {
  types: EventTypes;
  /** One event per command, written with acks=all by the idempotent producer. */
  events: EventProducer;
  /** Several records of one command, all or none (one Kafka transaction). */
  atomic: { writer: AtomicWriter; events: EventProducer; producer: KafkaProducer };
  auth: Auth;
  /** The users' data keys (personal fields are sealed with them; erasure destroys one). */
  keys: KeyStore;
  views: SharedViews;
  /** For plugin-private views (the auth plugin's accounts and claims). */
  viewSource: ViewSource;
}

/** What each service's plugin (api/<service>/plugin.ts) gets: its commands use `ctx`, its reads `reads`. */
export interface PluginOptions {
  ctx: ApiContext;
  reads: ReadContext;
}
