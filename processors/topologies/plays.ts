/**
 * The plays every listening topology counts: listening.plays, each play id once.
 *
 *   listening.plays ─▶ TrackPlayed only (optionally some sources) ─▶ deduplicate by playId ─▶ …
 *
 * A play id is an idempotency key: a play written twice (a writer retrying after a crash,
 * `vobe demo simulate --replay`) counts once. Plays are keyed by track, so a play and its
 * copies reach the same task and its deduplication store.
 */
import { type PlaySource, TrackPlayed } from "../../schemas/generated/index.ts";
import { type KStream, Serdes, type StreamsBuilder } from "../engine/index.ts";
import { type AvroSerdes, type DecodedEvent, eventValue } from "../serdes/avro.ts";
import { deduplicate } from "./common.ts";

/**
 * How long a play id is remembered: 24 hours of stream time (the partition's highest play
 * time) after it was first seen. A copy that arrives within that is dropped, whatever
 * its own playedAt (a back-dated play is checked like a current one); a copy arriving
 * later counts again. Copies come from writers that resend what they wrote (seconds to
 * hours later); the write API itself never repeats a play id (it makes a fresh one per
 * accepted play). The store holds the ids of the last 24 hours: ~26 million at a steady
 * 300 plays/s, so it is on disk.
 */
export const PLAY_ID_RETENTION_MS = 24 * 3_600_000;

/** The store of play ids, in every application that counts plays. */
export const PLAY_IDS_STORE = "play-ids";

/** The `TrackPlayed` value of a play that passed `distinctPlays`. */
export const playOf = (event: DecodedEvent): TrackPlayed => event.value as TrackPlayed;

/** listening.plays as distinct plays, keyed by track (nothing is repartitioned). */
export function distinctPlays(
  builder: StreamsBuilder,
  serdes: AvroSerdes,
  options: { sources?: readonly PlaySource[] | undefined; retentionMs?: number } = {},
): KStream<string, DecodedEvent> {
  const { sources } = options;
  const plays = builder
    .stream<string, DecodedEvent>(serdes.topic(TrackPlayed), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([TrackPlayed]),
      name: "plays-source",
    })
    .filter(
      (_trackId, event) => {
        const play = eventValue(event, TrackPlayed);
        return play !== null && (!sources || sources.includes(play.source));
      },
      { name: "plays" },
    );
  return deduplicate(builder, plays, {
    name: PLAY_IDS_STORE,
    idOf: (event) => playOf(event).playId,
    retentionMs: options.retentionMs ?? PLAY_ID_RETENTION_MS,
  });
}
