/** The operator console's route schemas (OpenAPI: the `ops` tag). */
import { type TSchema, Type } from "@fastify/type-provider-typebox";
import { Nullable, responses, Text } from "../http/schemas.ts";

const Timestamp = Type.String({ format: "date-time" });
const Offset = Type.String({ pattern: "^[0-9]+$", description: "a 64-bit offset, as text" });

/** Every console route: admins and operators, with the bearer token. */
export const route = <S extends Record<string, unknown>>(summary: string, schema: S) => ({
  tags: ["ops"],
  summary,
  security: [{ bearer: [] }],
  ...schema,
});

export const ok = <T extends TSchema>(schema: T) => responses({ 200: schema });

const Trend = Type.Object(
  {
    readPerSecond: Type.Number(),
    writtenPerSecond: Type.Number(),
    behindPerMinute: Type.Number(),
    etaSeconds: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);

export const LagReport = Type.Object(
  {
    at: Timestamp,
    consumers: Type.Array(
      Type.Object(
        {
          key: Type.String(),
          kind: Type.Union([
            Type.Literal("application"),
            Type.Literal("view"),
            Type.Literal("connector"),
          ]),
          name: Type.String(),
          version: Nullable(Type.Integer()),
          state: Nullable(Type.String()),
          behind: Type.Number({ description: "records not read yet (committed ones)" }),
          secondsBehind: Nullable(
            Type.Number({ description: "age of the oldest unread record; null when unknown" }),
          ),
          trend: Nullable(Trend),
          history: Type.Array(
            Type.Object({ at: Timestamp, behind: Type.Number() }, { additionalProperties: false }),
            { description: "this process's samples of the last five minutes, oldest first" },
          ),
          missingTopics: Type.Array(Type.String()),
          partitions: Type.Array(
            Type.Object(
              {
                topic: Type.String(),
                partition: Type.Integer(),
                next: Offset,
                end: Offset,
                behind: Type.Number(),
                oldestUnreadAt: Nullable(Timestamp),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ViewsReport = Type.Object(
  {
    versions: Type.Array(
      Type.Object(
        {
          view: Type.String(),
          version: Type.Integer(),
          state: Type.String(),
          schema: Type.String(),
          behind: Nullable(Type.Number()),
          secondsBehind: Nullable(Type.Number()),
          progress: Nullable(
            Type.Number({
              description: "share of its topics' records read, 0..1 (a rebuild's progress)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TopicKind = Type.String({
  description:
    "domain, changelog, repartition, subscription, dead-letter, registry, kafka, ksqldb, connect, unknown",
});

const CatalogFacts = Type.Object(
  {
    owner: Type.String(),
    doc: Type.String(),
    derived: Type.Boolean(),
    restricted: Type.Boolean(),
    cleanupPolicy: Type.String(),
    retentionMs: Type.Number(),
    events: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const TopicList = Type.Object(
  {
    topics: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          kind: TopicKind,
          onBroker: Type.Boolean(),
          partitions: Nullable(Type.Integer()),
          records: Nullable(Type.Number()),
          catalog: Nullable(CatalogFacts),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TopicListQuery = Type.Object(
  {
    all: Type.Optional(
      Type.Union([Type.Literal("true"), Type.Literal("false")], {
        description: "also the topics outside the catalog (internal ones, strangers)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const TopicName = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 249, pattern: "^[A-Za-z0-9._-]+$" }) },
  { additionalProperties: false },
);

export const TopicDetail = Type.Object(
  {
    name: Type.String(),
    kind: TopicKind,
    partitions: Type.Integer(),
    records: Type.Number(),
    offsets: Type.Array(
      Type.Object(
        { partition: Type.Integer(), first: Offset, end: Offset },
        { additionalProperties: false },
      ),
    ),
    configs: Type.Record(Type.String(), Type.String()),
    catalog: Nullable(CatalogFacts),
  },
  { additionalProperties: false },
);

export const RecordsQuery = Type.Object(
  {
    partition: Type.Optional(
      Type.String({ pattern: "^[0-9]{1,4}$", description: "one partition; default all" }),
    ),
    from: Type.Optional(
      Type.Union(
        [
          Type.Literal("earliest"),
          Type.Literal("end"),
          Type.Literal("offset"),
          Type.Literal("time"),
        ],
        {
          description:
            "earliest (default); end: the last `limit` records (needs `partition`); offset: from `offset` in each partition; time: from `time`",
        },
      ),
    ),
    offset: Type.Optional(Offset),
    time: Type.Optional(Type.String({ format: "date-time" })),
    limit: Type.Optional(
      Type.String({ pattern: "^(?:[1-9][0-9]?|100)$", description: "1..100, default 20" }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: "only records with this key (UTF-8)",
      }),
    ),
    where: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 500,
        description: "field=value over the decoded value (dots into records)",
      }),
    ),
  },
  { additionalProperties: false },
);

const Bytes = Type.Object(
  { text: Nullable(Type.String()), base64: Nullable(Type.String()) },
  {
    additionalProperties: false,
    description: "UTF-8 text, or base64 when the bytes are not UTF-8",
  },
);

const Header = Type.Object({ name: Type.String(), value: Bytes }, { additionalProperties: false });

export const RecordPage = Type.Object(
  {
    records: Type.Array(
      Type.Object(
        {
          partition: Type.Integer(),
          offset: Offset,
          timestamp: Timestamp,
          key: Bytes,
          headers: Type.Array(Header),
          eventType: Nullable(Type.String()),
          size: Type.Integer({ description: "the value's bytes" }),
          value: Type.Unknown({ description: "the decoded value (null: a tombstone)" }),
          undecodable: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    scanned: Type.Integer(),
    stopped: Type.String({ description: "end, max-matches, max-scanned or deadline" }),
    next: Type.Array(
      Type.Object({ partition: Type.Integer(), offset: Offset }, { additionalProperties: false }),
      { description: "where the next page starts, per partition read" },
    ),
  },
  { additionalProperties: false },
);

const Resolution = Type.Object(
  {
    action: Type.Union([Type.Literal("dlq.replay"), Type.Literal("dlq.skip")]),
    reason: Type.String(),
    operator: Type.String(),
    at: Timestamp,
  },
  { additionalProperties: false },
);

const LetterFields = {
  id: Type.String({ description: "<dead-letter topic>:<partition>:<offset>" }),
  topic: Type.String(),
  source: Type.Object(
    { kind: Type.Union([Type.Literal("view"), Type.Literal("application")]), name: Type.String() },
    { additionalProperties: false },
  ),
  origin: Nullable(Type.String({ description: "topic:partition:offset it was read from" })),
  stage: Type.String(),
  error: Type.String(),
  errorShape: Type.String({
    description: "the error with ids and numbers blanked: letters of one bug share it",
  }),
  at: Timestamp,
  status: Type.Union([Type.Literal("pending"), Type.Literal("replayed"), Type.Literal("skipped")]),
  resolution: Nullable(Resolution),
};

export const LetterList = Type.Object(
  {
    letters: Type.Array(Type.Object(LetterFields, { additionalProperties: false })),
    truncated: Type.Boolean({ description: "more letters exist than were listed (newest kept)" }),
  },
  { additionalProperties: false },
);

export const LetterDetail = Type.Object(
  {
    ...LetterFields,
    key: Bytes,
    headers: Type.Array(Header),
    value: Type.Object(
      {
        size: Type.Integer(),
        base64: Nullable(Type.String()),
        decoded: Type.Unknown(),
        undecodable: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const LetterParams = Type.Object(
  { id: Type.String({ minLength: 5, maxLength: 300, pattern: "^.+:[0-9]+:[0-9]+$" }) },
  { additionalProperties: false },
);

export const ReasonBody = Type.Object({ reason: Text(2000) }, { additionalProperties: false });

export const Resolved = Type.Object(
  {
    id: Type.String(),
    action: Type.Union([Type.Literal("dlq.replay"), Type.Literal("dlq.skip")]),
    replayedTo: Nullable(
      Type.String({ description: "topic:partition:offset of the replayed record" }),
    ),
  },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.String({
        pattern: "^(?:[1-9][0-9]?|1[0-9]{2}|200)$",
        description: "1..200, default 50",
      }),
    ),
  },
  { additionalProperties: false },
);

export const AuditTrail = Type.Object(
  {
    entries: Type.Array(
      Type.Object(
        {
          id: Type.String({ description: "topic:partition:offset of the audit event" }),
          at: Timestamp,
          action: Type.String(),
          target: Type.String(),
          reason: Type.String(),
          operator: Type.String(),
          details: Type.Record(Type.String(), Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ViewParams = Type.Object(
  { view: Type.String({ pattern: "^[a-z][a-z0-9-]{0,62}$" }) },
  { additionalProperties: false },
);

export const SwapBody = Type.Object(
  { reason: Text(2000), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const CommandParams = Type.Object(
  { id: Type.String({ format: "uuid" }) },
  { additionalProperties: false },
);

const CommandKind = Type.Union([
  Type.Literal("rebuild"),
  Type.Literal("swap"),
  Type.Literal("rollback"),
]);

export const CommandAccepted = Type.Object(
  { commandId: Type.String(), command: CommandKind, view: Type.String() },
  { additionalProperties: false },
);

export const CommandStatus = Type.Object(
  {
    commandId: Type.String(),
    command: CommandKind,
    view: Type.String(),
    version: Nullable(Type.Integer()),
    reason: Type.String(),
    operator: Type.String(),
    postedAt: Timestamp,
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("started"),
      Type.Literal("done"),
      Type.Literal("refused"),
      Type.Literal("failed"),
    ]),
    message: Type.String({
      description: "what the sinks process said: why it refused, or what is live now",
    }),
    at: Nullable(Timestamp),
  },
  { additionalProperties: false },
);
