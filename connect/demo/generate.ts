/**
 * The demo catalog: a deterministic, realistic set of users, artists, albums, tracks,
 * posts, comments and feedback, as the events that would have created them.
 *
 * Same seed and size → the same entities and the same events (payloads, keys, actors,
 * event times, correlation ids), byte for byte: every value comes from a seeded Faker
 * instance, event times from a fixed calendar (2025), and the password hash is a constant.
 * Only the envelope's eventId is not ours: the producer layer assigns it on publish.
 */
import { emailClaimKey, usernameClaimKey } from "../../api/auth/claim-keys.ts";
import {
  type Actor,
  type Envelope,
  type EventContext,
  type PendingEvent,
  systemActor,
} from "../../producers/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import {
  type AccountRole,
  AlbumCreated,
  ArtistCreated,
  CommentAdded,
  CredentialSet,
  type FeedbackCategory,
  type FeedbackPriority,
  type FeedbackResolution,
  FeedbackResolved,
  FeedbackSubmitted,
  FeedbackTriaged,
  IdentityClaimed,
  PostPublished,
  TrackCreated,
  UserRegistered,
} from "../../schemas/generated/index.ts";
import {
  between,
  capitalize,
  chance,
  normal,
  pick,
  plural,
  type Random,
  seededRandom,
  shuffled,
  titleCase,
  unit,
  uuid,
  weighted,
  Zipf,
} from "./random.ts";
import {
  artistPostSentences,
  artistPostTitles,
  cities,
  commentTexts,
  countries,
  explicitGenres,
  feedbackMessages,
  feedbackPages,
  genreHomes,
  genres,
  listenerPostTitles,
  mailDomains,
  medianSeconds,
  postSentences,
  relatedGenres,
  replyTexts,
} from "./vocabulary.ts";

/**
 * Every demo account's password. Documented (connect/demo/README.md) so anyone can sign
 * in as any demo user, e.g. as `admin`.
 */
export const demoPassword = "vobe-demo-password";
/**
 * argon2id of demoPassword (@node-rs/argon2 defaults: m=19456 KiB, t=2, p=1), hashed once
 * and kept as a constant: hashing per user would take minutes for the full catalog, and a
 * fresh salt per run would make the events differ from run to run.
 */
export const demoPasswordHash =
  "$argon2id$v=19$m=19456,t=2,p=1$6IYxlSLLC7XTsSLJ1vKAYw$Gkaz8gzTHn41Dpxa/1M9acJ5OyoenmFQbZ1u8VbXkMo";

/** The demo history happens in 2025: from demoEpoch (inclusive) to demoHistoryEnd (exclusive). */
export const demoEpoch = new Date("2025-01-01T00:00:00.000Z");
export const demoHistoryEnd = new Date("2026-01-01T00:00:00.000Z");

export const defaultDemoSeed = 2026;

export type DemoSize = "tiny" | "small" | "full";

export interface DemoSizing {
  artists: number;
  /** Listener accounts; every artist gets one more (its owner), plus one admin. */
  listeners: number;
  posts: number;
  comments: number;
  feedback: number;
}

export const demoSizes: Readonly<Record<DemoSize, DemoSizing>> = {
  tiny: { artists: 6, listeners: 25, posts: 30, comments: 120, feedback: 8 },
  small: { artists: 60, listeners: 200, posts: 300, comments: 1_200, feedback: 40 },
  full: { artists: 300, listeners: 1_000, posts: 1_500, comments: 6_000, feedback: 150 },
};

export const albumsPerArtist = { min: 3, max: 10 } as const;
export const tracksPerAlbum = { min: 6, max: 14 } as const;
export const trackSeconds = { min: 90, max: 540 } as const;
/** Release years of the catalog's albums. */
export const releaseYears = { min: 1962, max: 2025 } as const;

export interface DemoUser {
  userId: string;
  username: string;
  email: string;
  displayName: string;
  role: AccountRole;
  registeredAt: Date;
}

export interface DemoArtist {
  artistId: string;
  ownerUserId: string;
  name: string;
  country: string | null;
  genres: string[];
  bio: string | null;
  createdAt: Date;
}

export interface DemoAlbum {
  albumId: string;
  artistId: string;
  title: string;
  releaseDate: string;
  genre: string;
  coverUrl: string | null;
  createdAt: Date;
}

export interface DemoTrack {
  trackId: string;
  albumId: string;
  artistId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genre: string;
  explicit: boolean;
  createdAt: Date;
}

export interface DemoPost {
  postId: string;
  authorId: string;
  artistId: string | null;
  title: string;
  body: string;
  publishedAt: Date;
}

export interface DemoComment {
  commentId: string;
  postId: string;
  authorId: string;
  body: string;
  parentCommentId: string | null;
  addedAt: Date;
}

export interface DemoFeedback {
  feedbackId: string;
  userId: string | null;
  category: FeedbackCategory;
  message: string;
  page: string | null;
  submittedAt: Date;
  triage: {
    priority: FeedbackPriority;
    assigneeId: string | null;
    note: string | null;
    at: Date;
  } | null;
  resolution: { resolution: FeedbackResolution; note: string | null; at: Date } | null;
}

/** One step of the load: its events go out after every event of the steps before. */
export interface DemoPhase {
  name: string;
  events: Array<PendingEvent<Envelope>>;
}

export interface DemoCatalog {
  seed: number;
  sizing: DemoSizing;
  /** The admin first, then the artists' owners, then the listeners. */
  users: DemoUser[];
  admin: DemoUser;
  artists: DemoArtist[];
  albums: DemoAlbum[];
  tracks: DemoTrack[];
  posts: DemoPost[];
  comments: DemoComment[];
  feedback: DemoFeedback[];
  /** In dependency order: claims, users, credentials, artists, albums, tracks, posts, comments, feedback. */
  phases: DemoPhase[];
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

export function generateDemoCatalog(
  options: { seed?: number; size?: DemoSize | DemoSizing } = {},
): DemoCatalog {
  const seed = options.seed ?? defaultDemoSeed;
  const sizing =
    typeof options.size === "object" ? options.size : demoSizes[options.size ?? "full"];
  const random = seededRandom(seed);
  const epoch = demoEpoch.getTime();
  const end = demoHistoryEnd.getTime();
  const at = (ms: number) => new Date(Math.min(Math.round(ms), end - 1));

  // ---- users -------------------------------------------------------------------------
  const usernames = new Set<string>();
  const newUser = (role: AccountRole, registeredAt: number): DemoUser => {
    const firstName = random.person.firstName();
    const lastName = random.person.lastName();
    let username = random.internet
      .username({ firstName, lastName })
      .replace(/[^A-Za-z0-9._]/g, "")
      .slice(0, 24);
    while (username.length < 3 || usernames.has(username.toLowerCase())) {
      username = `${username.replace(/\d+$/, "")}${between(random, 1, 9_999)}`;
    }
    usernames.add(username.toLowerCase());
    return {
      userId: uuid(random),
      username,
      email: `${username.toLowerCase()}@${pick(random, mailDomains)}`,
      displayName: `${firstName} ${lastName}`,
      role,
      registeredAt: at(registeredAt),
    };
  };

  usernames.add("admin");
  const admin: DemoUser = {
    userId: uuid(random),
    username: "admin",
    email: "admin@example.com",
    displayName: "VobeMusic Admin",
    role: "admin",
    registeredAt: new Date(epoch + minute),
  };

  // ---- artists and their owners --------------------------------------------------------
  const owners: DemoUser[] = [];
  const artists: DemoArtist[] = [];
  const artistNames = new Set<string>();
  const careerStart = new Map<string, number>();
  for (let i = 0; i < sizing.artists; i++) {
    const owner = newUser("artist", epoch + hour + unit(random) * 240 * day);
    owners.push(owner);
    let { name, solo } = artistName(random);
    while (artistNames.has(name.toLowerCase())) ({ name, solo } = artistName(random));
    artistNames.add(name.toLowerCase());
    const main = weighted(random, genres);
    const extra = shuffled(random, relatedGenres[main] ?? []).slice(0, between(random, 0, 2));
    const homes = genreHomes[main];
    const country = chance(random, 0.05)
      ? null
      : homes && chance(random, 0.7)
        ? pick(random, homes)
        : weighted(random, countries);
    // Careers start anywhere from the sixties, more of them recently.
    const start =
      releaseYears.max -
      1 -
      Math.floor((releaseYears.max - releaseYears.min) * unit(random) ** 1.4);
    const artistId = uuid(random);
    careerStart.set(artistId, start);
    artists.push({
      artistId,
      ownerUserId: owner.userId,
      name,
      country,
      genres: [main, ...extra],
      bio: chance(random, 0.2)
        ? null
        : `${name} ${solo ? "is" : "are"} ${article(main)} ${main.toLowerCase()} ${solo ? "artist" : "band"}${country ? ` from ${countryName(country)}` : ""}, making records since ${start}.${extra.length > 0 ? ` Expect hints of ${extra.map((g) => g.toLowerCase()).join(" and ")}.` : ""}`,
      createdAt: at(owner.registeredAt.getTime() + between(random, 5, 180) * minute),
    });
  }

  // ---- listeners -----------------------------------------------------------------------
  const listeners: DemoUser[] = [];
  for (let i = 0; i < sizing.listeners; i++) {
    listeners.push(newUser("listener", epoch + hour + unit(random) * 330 * day));
  }
  const users = [admin, ...owners, ...listeners];
  const userById = new Map(users.map((u) => [u.userId, u]));

  // ---- albums and tracks ---------------------------------------------------------------
  const albums: DemoAlbum[] = [];
  const tracks: DemoTrack[] = [];
  const albumsOf = new Map<string, DemoAlbum[]>();
  const tracksOf = new Map<string, DemoTrack[]>();
  for (const artist of artists) {
    const count = between(random, albumsPerArtist.min, albumsPerArtist.max);
    const years = releaseYearsFor(random, careerStart.get(artist.artistId) ?? 2000, count);
    let uploadedAt = artist.createdAt.getTime();
    const own: DemoAlbum[] = [];
    for (const year of years) {
      uploadedAt += between(random, 1, 72) * hour;
      const albumId = uuid(random);
      const album: DemoAlbum = {
        albumId,
        artistId: artist.artistId,
        title: albumTitle(random),
        releaseDate: `${year}-${pad(between(random, 1, 12))}-${pad(between(random, 1, 28))}`,
        genre: chance(random, 0.75) ? (artist.genres[0] as string) : pick(random, artist.genres),
        coverUrl: chance(random, 0.9) ? `https://picsum.photos/seed/${albumId}/600/600` : null,
        createdAt: at(uploadedAt),
      };
      own.push(album);
      const trackCount = between(random, tracksPerAlbum.min, tracksPerAlbum.max);
      const list: DemoTrack[] = [];
      const explicitChance = explicitGenres.has(album.genre) ? 0.4 : 0.06;
      for (let n = 1; n <= trackCount; n++) {
        list.push({
          trackId: uuid(random),
          albumId,
          artistId: artist.artistId,
          title: trackTitle(random),
          durationMs: trackDurationMs(random, album.genre),
          trackNumber: n,
          genre: album.genre,
          explicit: chance(random, explicitChance),
          createdAt: at(uploadedAt + n * 1_000),
        });
      }
      tracksOf.set(albumId, list);
      tracks.push(...list);
    }
    albumsOf.set(artist.artistId, own);
    albums.push(...own);
  }

  // ---- posts ---------------------------------------------------------------------------
  const posts: DemoPost[] = [];
  const phrase = (template: string, about?: DemoArtist) => {
    const artist = about ?? pick(random, artists);
    const album = pick(random, albumsOf.get(artist.artistId) ?? []);
    const track = pick(random, tracksOf.get(album.albumId) ?? []);
    const decade = Math.floor(Number(album.releaseDate.slice(0, 4)) / 10) * 10;
    return template
      .replaceAll("{artist}", artist.name)
      .replaceAll("{album}", album.title)
      .replaceAll("{track}", track.title)
      .replaceAll("{genre}", album.genre)
      .replaceAll("{decade}", String(decade))
      .replaceAll("{city}", pick(random, cities))
      .replaceAll("{count}", `${between(random, 1, 99)},000`);
  };
  for (let i = 0; i < sizing.posts; i++) {
    const byArtist = chance(random, 0.3);
    const artist = byArtist ? pick(random, artists) : undefined;
    const author = artist
      ? (userById.get(artist.ownerUserId) as DemoUser)
      : pick(random, listeners);
    const earliest = artist ? artist.createdAt.getTime() : author.registeredAt.getTime();
    const publishedAt = at(earliest + hour + unit(random) * (end - 2 * day - earliest - hour));
    const sentences = Array.from({ length: between(random, 1, 4) }, () =>
      phrase(pick(random, artist ? artistPostSentences : postSentences), artist),
    );
    posts.push({
      postId: uuid(random),
      authorId: author.userId,
      artistId: artist?.artistId ?? null,
      title: phrase(pick(random, artist ? artistPostTitles : listenerPostTitles), artist),
      body: sentences.join(chance(random, 0.5) ? " " : "\n\n"),
      publishedAt,
    });
  }

  // ---- comments: popular posts get most of them, some are replies ------------------------
  const comments: DemoComment[] = [];
  if (posts.length > 0) {
    const byPopularity = shuffled(random, posts);
    const zipf = new Zipf(byPopularity.length, 1);
    const commentsOn = new Map<string, DemoComment[]>();
    for (let i = 0; i < sizing.comments; i++) {
      const post = byPopularity[zipf.rank(unit(random))] as DemoPost;
      const author = chance(random, 0.85) ? pick(random, listeners) : pick(random, owners);
      const earlier = commentsOn.get(post.postId) ?? [];
      const parent = earlier.length > 0 && chance(random, 0.2) ? pick(random, earlier) : null;
      const after = Math.max(
        parent ? parent.addedAt.getTime() : post.publishedAt.getTime(),
        author.registeredAt.getTime(),
      );
      // Exponential delays (most comments come soon after the post); one that would fall
      // after the end of the history lands somewhere in what is left of it instead.
      const delay = Math.max(minute, -Math.log(1 - unit(random)) * (parent ? 6 * hour : 2 * day));
      const addedAt =
        after + delay < end
          ? after + delay
          : Math.max(after + 1, after + unit(random) * (end - after));
      const comment: DemoComment = {
        commentId: uuid(random),
        postId: post.postId,
        authorId: author.userId,
        body: parent
          ? phrase(pick(random, replyTexts))
          : phrase(
              pick(random, commentTexts),
              post.artistId ? artistById(artists, post.artistId) : undefined,
            ),
        parentCommentId: parent?.commentId ?? null,
        addedAt: at(Math.floor(addedAt)),
      };
      earlier.push(comment);
      commentsOn.set(post.postId, earlier);
      comments.push(comment);
    }
  }

  // ---- feedback ------------------------------------------------------------------------
  const feedback: DemoFeedback[] = [];
  for (let i = 0; i < sizing.feedback; i++) {
    const sender = chance(random, 0.15) ? null : pick(random, [...owners, ...listeners]);
    const earliest = Math.max(epoch + 7 * day, (sender?.registeredAt.getTime() ?? epoch) + hour);
    const submittedAt = earliest + unit(random) * (end - 14 * day - earliest);
    const category = weighted<FeedbackCategory>(random, [
      ["bug", 4],
      ["idea", 4],
      ["content", 2],
      ["other", 1],
    ]);
    const page = chance(random, 0.2) ? null : pick(random, feedbackPages);
    const triagedAt = submittedAt + between(random, 1, 48) * hour;
    const triaged = chance(random, 0.7);
    const resolved = triaged && chance(random, 0.65);
    feedback.push({
      feedbackId: uuid(random),
      userId: sender?.userId ?? null,
      category,
      message: pick(random, feedbackMessages[category]),
      page,
      submittedAt: at(submittedAt),
      triage: triaged
        ? {
            priority: weighted<FeedbackPriority>(random, [
              ["low", 3],
              ["normal", 5],
              ["high", 2],
              ["urgent", 1],
            ]),
            assigneeId: chance(random, 0.5) ? admin.userId : null,
            note: chance(random, 0.5) ? "Reproduced; looking into it." : null,
            at: at(triagedAt),
          }
        : null,
      resolution: resolved
        ? {
            resolution: weighted<FeedbackResolution>(random, [
              ["fixed", 4],
              ["answered", 3],
              ["wont_fix", 1],
              ["duplicate", 1],
            ]),
            note: chance(random, 0.6) ? "Thanks for telling us!" : null,
            at: at(triagedAt + between(random, 1, 10) * day),
          }
        : null,
    });
  }

  // ---- the events ----------------------------------------------------------------------
  const claims: Array<PendingEvent<Envelope>> = [];
  const registrations: Array<PendingEvent<Envelope>> = [];
  const credentials: Array<PendingEvent<Envelope>> = [];
  for (const user of users) {
    // One sign-up, one correlation id: its claims, the account and the password.
    const correlationId = uuid(random);
    const t = user.registeredAt.getTime();
    const context = (ms: number): EventContext => ({
      actor: systemActor,
      correlationId,
      occurredAt: new Date(ms),
    });
    const email = emailClaimKey(user.email);
    const name = usernameClaimKey(user.username);
    claims.push(
      event(IdentityClaimed, email, { claimKey: email, userId: user.userId }, context(t - 2)),
      event(IdentityClaimed, name, { claimKey: name, userId: user.userId }, context(t - 1)),
    );
    registrations.push(
      event(
        UserRegistered,
        user.userId,
        {
          userId: user.userId,
          username: user.username,
          email: user.email,
          displayName: user.displayName,
          role: user.role,
          claimKeys: [email, name],
        },
        context(t),
      ),
    );
    credentials.push(
      event(
        CredentialSet,
        user.userId,
        { userId: user.userId, passwordHash: demoPasswordHash },
        context(t + 1),
      ),
    );
  }

  const asArtist = (userId: string): Actor => ({ userId, role: "artist" });
  const acting = (user: DemoUser): Actor => ({
    userId: user.userId,
    role: user.role === "artist" ? "artist" : user.role === "admin" ? "admin" : "listener",
  });
  const artistEvents = artists.map(({ createdAt, ...artist }) =>
    event(ArtistCreated, artist.artistId, artist, {
      actor: asArtist(artist.ownerUserId),
      correlationId: uuid(random),
      occurredAt: createdAt,
    }),
  );
  const ownerOf = new Map(artists.map((a) => [a.artistId, a.ownerUserId]));
  const albumCorrelation = new Map<string, string>();
  const albumEvents = albums.map(({ createdAt, ...album }) => {
    // The album and its tracks are one upload.
    const correlationId = uuid(random);
    albumCorrelation.set(album.albumId, correlationId);
    return event(AlbumCreated, album.albumId, album, {
      actor: asArtist(ownerOf.get(album.artistId) as string),
      correlationId,
      occurredAt: createdAt,
    });
  });
  const trackEvents = tracks.map(({ createdAt, ...track }) =>
    event(TrackCreated, track.trackId, track, {
      actor: asArtist(ownerOf.get(track.artistId) as string),
      correlationId: albumCorrelation.get(track.albumId) as string,
      occurredAt: createdAt,
    }),
  );
  const postEvents = posts.map(({ publishedAt, ...post }) =>
    event(PostPublished, post.postId, post, {
      actor: post.artistId
        ? asArtist(post.authorId)
        : acting(userById.get(post.authorId) as DemoUser),
      correlationId: uuid(random),
      occurredAt: publishedAt,
    }),
  );
  const commentEvents = comments.map(({ addedAt, ...comment }) =>
    event(CommentAdded, comment.commentId, comment, {
      actor: acting(userById.get(comment.authorId) as DemoUser),
      correlationId: uuid(random),
      occurredAt: addedAt,
    }),
  );
  const feedbackEvents: Array<PendingEvent<Envelope>> = [];
  const asAdmin: Actor = { userId: admin.userId, role: "admin" };
  for (const item of feedback) {
    const correlationId = uuid(random);
    const sender = item.userId ? userById.get(item.userId) : undefined;
    feedbackEvents.push(
      event(
        FeedbackSubmitted,
        item.feedbackId,
        {
          feedbackId: item.feedbackId,
          userId: item.userId,
          category: item.category,
          message: item.message,
          page: item.page,
        },
        {
          // An anonymous visitor has no account; the listener role is what a visitor has.
          actor: sender ? acting(sender) : { userId: null, role: "listener" },
          correlationId,
          occurredAt: item.submittedAt,
        },
      ),
    );
    if (item.triage) {
      const { at: triagedAt, ...triage } = item.triage;
      feedbackEvents.push(
        event(
          FeedbackTriaged,
          item.feedbackId,
          { feedbackId: item.feedbackId, ...triage },
          { actor: asAdmin, correlationId: uuid(random), occurredAt: triagedAt },
        ),
      );
    }
    if (item.resolution) {
      const { at: resolvedAt, ...resolution } = item.resolution;
      feedbackEvents.push(
        event(
          FeedbackResolved,
          item.feedbackId,
          { feedbackId: item.feedbackId, ...resolution },
          { actor: asAdmin, correlationId: uuid(random), occurredAt: resolvedAt },
        ),
      );
    }
  }

  const phase = (name: string, events: Array<PendingEvent<Envelope>>): DemoPhase => ({
    name,
    // Each topic in event-time order; the sort is stable, so ties keep generation order.
    events: [...events].sort((a, b) => timeOf(a) - timeOf(b)),
  });

  return {
    seed,
    sizing,
    users,
    admin,
    artists,
    albums,
    tracks,
    posts,
    comments,
    feedback,
    phases: [
      phase("identity claims", claims),
      phase("users", registrations),
      phase("credentials", credentials),
      phase("artists", artistEvents),
      phase("albums", albumEvents),
      phase("tracks", trackEvents),
      phase("posts", postEvents),
      phase("comments", commentEvents),
      phase("feedback", feedbackEvents),
    ],
  };
}

/** How many events the catalog writes to each (unprefixed) topic. */
export function demoTopicCounts(catalog: DemoCatalog): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const phase of catalog.phases) {
    for (const e of phase.events) counts[e.type.topic] = (counts[e.type.topic] ?? 0) + 1;
  }
  return counts;
}

export function demoEventCount(catalog: DemoCatalog): number {
  return catalog.phases.reduce((sum, p) => sum + p.events.length, 0);
}

/** The ids a listener simulator needs: every track with its length, every listener. */
export function demoListening(catalog: DemoCatalog): {
  tracks: Array<{ trackId: string; durationMs: number }>;
  userIds: string[];
} {
  return {
    tracks: catalog.tracks.map((t) => ({ trackId: t.trackId, durationMs: t.durationMs })),
    userIds: catalog.users.filter((u) => u.role === "listener").map((u) => u.userId),
  };
}

function event<T extends Envelope>(
  type: EventType<T>,
  key: string,
  payload: Omit<T, keyof Envelope>,
  context: EventContext,
): PendingEvent<Envelope> {
  return { type, key, payload, context } as unknown as PendingEvent<Envelope>;
}

function timeOf(e: PendingEvent<Envelope>): number {
  return e.context.occurredAt?.getTime() ?? 0;
}

function artistById(artists: readonly DemoArtist[], artistId: string): DemoArtist | undefined {
  return artists.find((a) => a.artistId === artistId);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
function countryName(code: string): string {
  return regionNames.of(code) ?? code;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** A name, and whether it is one person's (for "is" or "are" in the bio). */
function artistName(random: Random): { name: string; solo: boolean } {
  const adjective = () => capitalize(random.word.adjective());
  const noun = () => capitalize(random.word.noun());
  switch (
    weighted(random, [
      ["person", 35],
      ["the-plural", 22],
      ["adjective-noun", 20],
      ["single", 6],
      ["and-the", 6],
      ["dj", 6],
      ["music", 5],
    ] as const)
  ) {
    case "person":
      return { name: `${random.person.firstName()} ${random.person.lastName()}`, solo: true };
    case "the-plural":
      return { name: `The ${adjective()} ${capitalize(plural(random.word.noun()))}`, solo: false };
    case "adjective-noun":
      return { name: `${adjective()} ${noun()}`, solo: false };
    case "single":
      return { name: noun(), solo: false };
    case "and-the":
      return {
        name: `${random.person.firstName()} & the ${capitalize(plural(random.word.noun()))}`,
        solo: false,
      };
    case "dj":
      return { name: `${pick(random, ["DJ", "MC", "Lil", "Young"])} ${noun()}`, solo: true };
    default:
      return { name: random.music.artist(), solo: false };
  }
}

function albumTitle(random: Random): string {
  switch (
    weighted(random, [
      ["faker", 35],
      ["adjective-noun", 35],
      ["noun", 10],
      ["of", 10],
      ["number", 10],
    ] as const)
  ) {
    case "faker":
      return random.music.album();
    case "adjective-noun":
      return titleCase(`${random.word.adjective()} ${random.word.noun()}`);
    case "noun":
      return capitalize(plural(random.word.noun()));
    case "of":
      return titleCase(`${random.word.noun()} of ${plural(random.word.noun())}`);
    default:
      return pick(random, ["I", "II", "III", "IV", "21", "1989", "Volume One", "Live"]);
  }
}

function trackTitle(random: Random): string {
  switch (
    weighted(random, [
      ["faker", 45],
      ["adjective-noun", 25],
      ["the-noun", 10],
      ["in-the", 10],
      ["verb", 10],
    ] as const)
  ) {
    case "faker":
      return random.music.songName();
    case "adjective-noun":
      return titleCase(`${random.word.adjective()} ${random.word.noun()}`);
    case "the-noun":
      return titleCase(`the ${random.word.noun()}`);
    case "in-the":
      return titleCase(`${random.word.noun()} in the ${random.word.noun()}`);
    default:
      return titleCase(`${random.word.verb()} ${random.word.adverb()}`);
  }
}

/** Log-normal around the genre's median (most tracks 2:30–5:00), clamped to 90 s–9 min. */
function trackDurationMs(random: Random, genre: string): number {
  const median = medianSeconds[genre] ?? 210;
  const seconds = Math.exp(normal(random, Math.log(median), 0.3));
  const clamped = Math.min(trackSeconds.max, Math.max(trackSeconds.min, seconds));
  return Math.round(clamped * 1000);
}

/** Release years from the career's start, 1–4 years apart, squeezed to end by 2025. */
function releaseYearsFor(random: Random, start: number, count: number): number[] {
  const years = [start];
  for (let i = 1; i < count; i++) years.push((years[i - 1] as number) + between(random, 1, 4));
  const last = years[count - 1] as number;
  if (last <= releaseYears.max) return years;
  const span = Math.max(0, releaseYears.max - start);
  return years.map((y) => start + Math.round(((y - start) * span) / (last - start)));
}
