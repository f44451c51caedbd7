/**
 * Live updates shared by every gateway instance through Redis (docs/adr/032-scaling-out.md,
 * amendment): ONE instance, the relay, follows the live topics from Kafka and publishes
 * each record on a Redis channel per key (`<prefix>comments:<postId>`, `plays:<trackId>`,
 * `moments:<trackId>`); every instance subscribes to the channels of the keys its own
 * streams watch. N instances then read the topics once, not N times, and each receives
 * only its watchers' keys.
 *
 * - **Relay**: a lease in Redis (`<prefix>relay`, SET NX PX, renewed by its holder). The
 *   relay also publishes its positions (`<prefix>positions`, slot → next offset) every
 *   `watermarkMs`: everything before them was published. An instance that takes the lease
 *   over starts from the last positions it heard (or from its own fallback's), so a relay
 *   that dies loses nothing; what is published twice is dropped below.
 * - **Fallback**: while Redis does not answer, or no relay is heard, the instance follows
 *   the topics itself from the last positions it heard (today's single-instance path:
 *   api/live/follower.ts). It stops once a relay's positions have reached its own.
 * - **Exactly once per stream**: both paths carry the record's position as the event id; a
 *   stream drops what is not past the last offset it sent for that partition (each path
 *   delivers a partition in order and starts no later than what the stream has had).
 *
 *   const live = createSharedLiveFollower({ source, topicPrefix, redisUrl });
 *   const off = await live.subscribe("comments", [postId], listener);  // as createLiveFollower
 *   live.mode();   // "shared" (through Redis) | "local" (this instance follows Kafka itself)
 */
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import {
  followLiveTopics,
  type LiveChannel,
  type LiveFollower,
  type LiveFollowerOptions,
  type LiveListener,
  type LiveMessage,
  type LiveTopics,
  liveTopicsOf,
} from "./follower.ts";
import { createLiveSubscribers } from "./subscribers.ts";

export type LiveMode = "shared" | "local";

export interface SharedLiveOptions extends LiveFollowerOptions {
  redisUrl: string;
  /** Channels and keys of one platform start with it (tests: one per run). */
  keyPrefix?: string;
  /** How long the relay's lease lasts unrenewed (default 3,000 ms; renewed every third). */
  leaseMs?: number;
  /** How often the relay publishes its positions (default 1,000 ms). */
  watermarkMs?: number;
}

export interface SharedLiveFollower extends LiveFollower {
  /** shared: updates arrive through Redis; local: this instance follows Kafka itself. */
  mode(): LiveMode;
  /** Whether this instance is the one following Kafka for all. */
  relay(): boolean;
}

export const defaultLivePrefix = "vobe:live:";

const channels: readonly LiveChannel[] = ["comments", "plays", "moments"];

/** What travels on a key's channel: the SSE message, its traceparent as base64. */
interface Wire {
  event: string;
  id: string;
  data: Record<string, unknown>;
  traceparent?: string;
}

export function createSharedLiveFollower(options: SharedLiveOptions): SharedLiveFollower {
  const prefix = options.keyPrefix ?? defaultLivePrefix;
  const leaseMs = options.leaseMs ?? 3_000;
  const watermarkMs = options.watermarkMs ?? 1_000;
  const instance = randomUUID();
  const log = options.source.log;
  const relayKey = `${prefix}relay`;
  const positionsChannel = `${prefix}positions`;
  const channelOf = (channel: LiveChannel, key: string) => `${prefix}${channel}:${key}`;

  // As the shared limits: no waiting on an absent Redis, reconnecting in the background.
  const redisOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  };
  const pub = new Redis(options.redisUrl, { ...redisOptions, commandTimeout: 1_000 });
  const sub = new Redis(options.redisUrl, redisOptions);
  pub.on("error", () => {});
  sub.on("error", () => {});
  const redisUp = () => pub.status === "ready" && sub.status === "ready";

  // This instance's listeners (each with its own de-duplication), fed by either path.
  const subscribers = createLiveSubscribers(log);
  let closed = false;

  // The relay's last positions and when they were heard.
  let watermark: Map<string, bigint> | undefined;
  let watermarkAt = 0;
  const relayHeard = () => Date.now() - watermarkAt < 3 * watermarkMs + leaseMs;
  const waiters = new Set<() => void>();

  // --- this instance following Kafka itself (the fallback) --------------------------------
  let local: LiveTopics | undefined;
  let localStart: Promise<void> | undefined;

  /** From the given positions where known, from each partition's end otherwise. */
  const fromPositions = (known: () => ReadonlyMap<string, bigint> | undefined) => async () => {
    const start = new Map<string, bigint>();
    const { admin } = options.source;
    for (const topic of Object.values(liveTopicsOf(options.topicPrefix ?? ""))) {
      const ends = await admin.endOffsets(topic, "read_committed");
      ends.forEach((end, partition) => {
        const slot = `${topic}:${partition}`;
        const at = known()?.get(slot);
        start.set(slot, at !== undefined && at <= end ? at : end);
      });
    }
    return start;
  };

  const startLocal = () => {
    if (localStart) return localStart;
    // Just heard positions: from there, nothing the relay had not published is missed. Old
    // ones (no relay for a while): from the end, as a single instance does.
    const heard = relayHeard() ? watermark : undefined;
    const topics = followLiveTopics({
      ...options,
      name: "-local",
      from: fromPositions(() => heard),
      sink: subscribers,
    });
    local = topics;
    log?.warn({}, "live updates: following Kafka on this instance (Redis or its relay is away)");
    localStart = topics.start().catch((error) => {
      local = undefined;
      localStart = undefined;
      throw error;
    });
    return localStart;
  };

  const stopLocal = async () => {
    const topics = local;
    if (!topics) return;
    local = undefined;
    localStart = undefined;
    await topics.close();
    log?.warn({}, "live updates: through Redis again");
  };

  /** The relay has published everything this instance's own follower has delivered. */
  const relayReached = (positions: ReadonlyMap<string, bigint>) => {
    const mine = local?.positions();
    if (!mine) return false;
    for (const [slot, offset] of mine) if ((positions.get(slot) ?? -1n) < offset) return false;
    return true;
  };

  // --- the relay ----------------------------------------------------------------------------
  let relay: LiveTopics | undefined;
  let relayStart: Promise<void> | undefined;

  const publish = (channel: LiveChannel, key: string, message: LiveMessage) => {
    const wire: Wire = { event: message.event, id: message.id, data: message.data };
    if (message.traceparent) wire.traceparent = message.traceparent.toString("base64");
    // A lost publish is covered by the positions: a fallback starts from before it.
    pub.publish(channelOf(channel, key), JSON.stringify(wire)).catch(() => {});
  };

  const startRelay = async () => {
    // Where the platform's streams stand: this instance's own follower, else what it heard.
    const own = local?.positions();
    const heard = relayHeard() ? watermark : undefined;
    const topics = followLiveTopics({
      ...options,
      name: "-relay",
      from: fromPositions(() => own ?? heard),
      // Every key: the instances watching are elsewhere; a publish nobody hears is cheap.
      sink: { watching: () => true, onMessage: publish },
    });
    relay = topics;
    relayStart = topics.start();
    try {
      await relayStart;
      log?.warn({}, "live updates: this instance relays the live topics to Redis");
    } catch (error) {
      relay = undefined;
      relayStart = undefined;
      await pub.del(relayKey).catch(() => {});
      log?.warn({ err: error }, "live relay cannot start");
    }
  };

  const stopRelay = async () => {
    const topics = relay;
    if (!topics) return;
    relay = undefined;
    await relayStart?.catch(() => {});
    relayStart = undefined;
    await topics.close();
  };

  const renew = `if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

  const tick = async () => {
    if (!redisUp()) {
      await stopRelay();
      if (subscribers.counts().subscribers > 0) await startLocal().catch(() => {});
      return;
    }
    try {
      if (relay) {
        const kept = await pub.eval(renew, 1, relayKey, instance, leaseMs);
        if (kept !== 1) await stopRelay();
      } else {
        const taken = await pub.set(relayKey, instance, "PX", leaseMs, "NX");
        if (taken === "OK") await startRelay();
      }
    } catch {
      // Redis answered late or not at all: the next tick sees its state.
    }
    if (subscribers.counts().subscribers > 0 && !relayHeard() && !relay)
      await startLocal().catch(() => {});
  };
  let ticking = false;
  const runTick = () => {
    if (ticking || closed) return;
    ticking = true;
    tick().finally(() => {
      ticking = false;
    });
  };
  const timer = setInterval(runTick, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();
  // A lost connection is acted on at once, not at the next tick: streams fall back now.
  for (const connection of [pub, sub]) {
    connection.on("close", runTick);
  }

  const watermarkTimer = setInterval(() => {
    if (!relay || !relayStart || pub.status !== "ready") return;
    const positions = Object.fromEntries(
      [...relay.positions()].map(([slot, offset]) => [slot, offset.toString()]),
    );
    // After the messages it covers, on the same connection: heard after them.
    pub.publish(positionsChannel, JSON.stringify(positions)).catch(() => {});
  }, watermarkMs);
  watermarkTimer.unref();

  sub.on("message", (channel: string, payload: string) => {
    if (channel === positionsChannel) {
      const positions = new Map<string, bigint>();
      for (const [slot, offset] of Object.entries(JSON.parse(payload) as Record<string, string>))
        positions.set(slot, BigInt(offset));
      watermark = positions;
      watermarkAt = Date.now();
      for (const wake of waiters) wake();
      if (local && redisUp() && relayReached(positions)) void stopLocal();
      return;
    }
    const rest = channel.slice(prefix.length);
    const colon = rest.indexOf(":");
    const kind = rest.slice(0, colon) as LiveChannel;
    if (!channels.includes(kind)) return;
    const wire = JSON.parse(payload) as Wire;
    const message: LiveMessage = { event: wire.event, id: wire.id, data: wire.data };
    if (wire.traceparent) message.traceparent = Buffer.from(wire.traceparent, "base64");
    subscribers.onMessage(kind, rest.slice(colon + 1), message);
  });

  const watchedChannels = () => {
    const all = [positionsChannel];
    for (const channel of channels)
      for (const key of subscribers.keys(channel)) all.push(channelOf(channel, key));
    return all;
  };
  // A reconnected subscriber listens again to every key watched here (and to the positions).
  sub.on("ready", () => {
    sub.subscribe(...watchedChannels()).catch(() => {});
  });

  /** Resolves once the positions are heard (a relay is there), or false after `ms`. */
  const heardWithin = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const since = watermarkAt;
      const timeout = setTimeout(() => {
        waiters.delete(wake);
        resolve(false);
      }, ms);
      const wake = () => {
        if (watermarkAt === since) return;
        clearTimeout(timeout);
        waiters.delete(wake);
        resolve(true);
      };
      waiters.add(wake);
    });

  return {
    async subscribe(channel, keys, listener) {
      const unique = [...new Set(keys)];
      // Each partition's offsets rise on either path: what is not past the last one sent
      // for its partition was sent already (by the other path, or twice by a relay).
      const sent = new Map<string, bigint>();
      const once: LiveListener = (message) => {
        const cut = message.id.lastIndexOf(":");
        const slot = message.id.slice(0, cut);
        const offset = BigInt(message.id.slice(cut + 1));
        const last = sent.get(slot);
        if (last !== undefined && offset <= last) return;
        sent.set(slot, offset);
        listener(message);
      };
      const fresh = subscribers.add(channel, unique, once).map((key) => channelOf(channel, key));
      const off = () => {
        const gone = subscribers
          .remove(channel, unique, once)
          .map((key) => channelOf(channel, key));
        if (gone.length > 0 && sub.status === "ready") sub.unsubscribe(...gone).catch(() => {});
      };
      try {
        // Records after this reach the listener: through Redis once the subscription is
        // confirmed while a relay is heard from; otherwise from Kafka here.
        // (A subscriber that reconnects later subscribes to every watched key again.)
        let subscribed = false;
        if (sub.status === "ready") {
          subscribed = await sub.subscribe(...fresh, positionsChannel).then(
            () => true,
            () => false,
          );
        }
        const shared =
          subscribed &&
          redisUp() &&
          !local &&
          // A relay heard lately, or its successor, publishes from positions before this.
          (relay !== undefined || relayHeard() || (await heardWithin(3 * watermarkMs)));
        if (!shared) await startLocal();
      } catch (error) {
        off();
        throw error;
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        off();
      };
    },
    mode: () => (redisUp() && !local && (relay !== undefined || relayHeard()) ? "shared" : "local"),
    relay: () => relay !== undefined && redisUp(),
    stats: () => {
      const fetches = (local?.stats().fetches ?? 0) + (relay?.stats().fetches ?? 0);
      return {
        ...subscribers.counts(),
        fetches,
        running: local !== undefined || relay !== undefined,
      };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      clearInterval(watermarkTimer);
      if (relay && pub.status === "ready") {
        // Handing over at once rather than after the lease: the next instance takes it.
        await pub
          .eval(
            `if redis.call("get", KEYS[1]) == ARGV[1] then
          return redis.call("del", KEYS[1]) else return 0 end`,
            1,
            relayKey,
            instance,
          )
          .catch(() => {});
      }
      await stopRelay();
      await localStart?.catch(() => {});
      await stopLocal();
      pub.disconnect();
      sub.disconnect();
    },
  };
}
