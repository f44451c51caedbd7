/** The listening service's commands: plays (in batches) and likes of tracks that exist. */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Envelope, PendingEvent, PublishedEvent } from "../../producers/index.ts";
import type { CatalogState } from "../artist/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { ApiError, badRequest, type FieldProblem, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

export interface Caller {
  ctx: ApiContext;
  catalog: TopicView<CatalogState>;
  request: FastifyRequest;
  user: AuthUser;
}

export interface PlayInput {
  trackId: string;
  listenedMs: number;
  trackDurationMs: number;
  playedAt?: string;
}

/** Players stop a little short of the end (fades, rounding): 95 % counts as played through. */
const completedShare = 0.95;
/** Clocks differ; a play "in the future" by more than this is refused. */
const clockSkewMs = 60_000;
/**
 * A play reported later than this after it happened is refused (issue 12: a play in 1900
 * was accepted). Players that listen offline report when they are back online, and offline
 * listening is commonly bounded by 30 days without going online; older event times only
 * make late records that no window counts, and are more likely a broken clock than a play.
 */
export const maxPlayAgeDays = 30;
const maxPlayAgeMs = maxPlayAgeDays * 86_400_000;

/** Every play is checked before anything is written; then all are written in one transaction. */
export async function reportPlays(c: Caller, plays: PlayInput[]): Promise<PublishedEvent[]> {
  await c.catalog.catchUp();
  const problems: FieldProblem[] = [];
  const missing: FieldProblem[] = [];
  const now = Date.now();
  plays.forEach((play, i) => {
    const at = `body.plays.${i}`;
    if (!c.catalog.state.tracks.has(play.trackId)) {
      missing.push({ path: `${at}.trackId`, message: "no track with this id" });
    }
    if (play.listenedMs > play.trackDurationMs) {
      problems.push({ path: `${at}.listenedMs`, message: "longer than the track" });
    }
    if (play.playedAt !== undefined && Date.parse(play.playedAt) > now + clockSkewMs) {
      problems.push({ path: `${at}.playedAt`, message: "in the future" });
    }
    if (play.playedAt !== undefined && Date.parse(play.playedAt) < now - maxPlayAgeMs) {
      problems.push({ path: `${at}.playedAt`, message: `more than ${maxPlayAgeDays} days ago` });
    }
  });
  if (problems.length > 0) throw badRequest("invalid_play", "some plays are invalid", problems);
  if (missing.length > 0) {
    throw new ApiError(404, "not_found", "some tracks of the batch do not exist", missing);
  }

  const events = plays.map((play): PendingEvent<Envelope> => {
    const context = eventContext(c.request);
    if (play.playedAt !== undefined) context.occurredAt = new Date(play.playedAt);
    return {
      type: c.ctx.types.TrackPlayed,
      key: play.trackId,
      payload: {
        playId: randomUUID(),
        trackId: play.trackId,
        userId: c.user.userId,
        listenedMs: play.listenedMs,
        trackDurationMs: play.trackDurationMs,
        completed: play.listenedMs >= play.trackDurationMs * completedShare,
        source: "web",
      },
      context,
    } as unknown as PendingEvent<Envelope>;
  });
  const published = await c.ctx.atomic.writer.run(() => c.ctx.atomic.events.publishAll(events));
  // A play's resource is the play, not the track its record is keyed by: its id is the play id.
  const playIds = events.map((e) => (e.payload as unknown as { playId: string }).playId);
  return published.map((p, i) => ({ ...p, key: playIds[i] as string }));
}

export async function setLike(c: Caller, trackId: string, liked: boolean): Promise<PublishedEvent> {
  await c.catalog.catchUp();
  if (!c.catalog.state.tracks.has(trackId)) throw notFound("track", trackId, "params.trackId");
  const type = liked ? c.ctx.types.TrackLiked : c.ctx.types.TrackUnliked;
  return c.ctx.events.publish(
    type,
    trackId,
    { trackId, userId: c.user.userId },
    eventContext(c.request),
  );
}
