import { describe, expect, it } from "vitest";
import {
  AvroSerdes,
  eventValue,
  isEvent,
  memoryRegistry,
  nameBasedUuid,
  SchemaNotRegistered,
} from "../../../processors/serdes/avro.ts";
import { subjectOf } from "../../../schemas/event-type.ts";
import { AlbumCreated, TrackLiked, TrackUnliked } from "../../../schemas/generated/index.ts";

const trackId = "11111111-2222-4333-8444-555555555555";
const liked = {
  eventId: "aaaaaaaa-2222-4333-8444-555555555555",
  occurredAt: new Date(Date.UTC(2026, 0, 5)),
  actor: { userId: null, role: "listener" as const },
  trackId,
  userId: trackId,
};

/** A newer version of TrackLiked with one more (optional) field, under another id. */
const newLiked = {
  ...TrackLiked.schema,
  fields: [
    ...TrackLiked.schema.fields,
    { name: "device", type: ["null", "string"], default: null, doc: "Where it was liked." },
  ],
};

describe("the Avro serdes over the registry", () => {
  it("writes the Confluent wire format with the subject's id and reads it back typed", async () => {
    const registry = memoryRegistry();
    registry.register("x", '{"type":"string"}');
    const id = registry.register(subjectOf(TrackLiked), JSON.stringify(TrackLiked.schema));
    const serdes = await AvroSerdes.create(registry, { write: [TrackLiked] });
    const bytes = serdes.derived(TrackLiked).serialize(liked, "listening.likes") as Buffer;
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(serdes.derived(TrackLiked).prepare?.(bytes)).toBeUndefined();
    const event = serdes.events([TrackLiked, TrackUnliked]).deserialize(bytes, "listening.likes");
    expect(event?.type).toBe("vobemusic.listening.TrackLiked");
    expect(event && isEvent(event, TrackLiked)).toBe(true);
    expect(event && eventValue(event, TrackUnliked)).toBeNull();
    expect(event?.value).toEqual(liked);
    expect(serdes.derived(TrackLiked).serialize(null, "t")).toBeNull();
    expect(serdes.events([TrackLiked]).deserialize(null, "t")).toBeNull();
  });

  it("fetches an unknown writer schema by id once, in prepare, and resolves it to the current type", async () => {
    const registry = memoryRegistry();
    registry.register(subjectOf(TrackLiked), JSON.stringify(TrackLiked.schema));
    const newId = registry.register(subjectOf(TrackLiked), JSON.stringify(newLiked));
    let fetched = 0;
    const counting = {
      ...registry,
      schemaById: (id: number) => {
        fetched++;
        return registry.schemaById(id);
      },
    };
    const serdes = await AvroSerdes.create(counting, { read: [TrackLiked] });
    const avro = await import("avsc");
    const { logicalTypes } = await import("../../../platform/registry/logical-types.ts");
    const body = avro.default.Type.forSchema(newLiked as never, { logicalTypes }).toBuffer({
      ...liked,
      device: "phone",
    });
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, newId]), body]);
    const serde = serdes.events([TrackLiked]);
    expect(() => serde.deserialize(bytes, "t")).toThrow(/not cached/);
    const pending = serde.prepare?.(bytes);
    expect(pending).toBeInstanceOf(Promise);
    expect(serde.prepare?.(bytes)).toBe(pending); // one fetch per id in flight
    await pending;
    expect(serde.prepare?.(bytes)).toBeUndefined();
    expect(fetched).toBe(1);
    // Read in the shape this code knows: the newer field is left out.
    expect(serde.deserialize(bytes, "t")).toEqual({ type: TrackLiked.name, value: liked });
  });

  it("decodes logical types (date, timestamp, uuid) through a resolver", async () => {
    const serdes = await AvroSerdes.inMemory([AlbumCreated]);
    const album = {
      eventId: liked.eventId,
      occurredAt: liked.occurredAt,
      actor: liked.actor,
      albumId: trackId,
      artistId: trackId,
      title: "T",
      releaseDate: "2024-02-29",
      genre: "g",
      coverUrl: null,
    };
    const serde = serdes.events([AlbumCreated]);
    const bytes = serde.serialize({ type: AlbumCreated.name, value: album }, "t");
    expect(serde.deserialize(bytes, "t")?.value).toEqual(album);
  });

  it("decodes a record type it was not given with the writer's own schema", async () => {
    const serdes = await AvroSerdes.inMemory([TrackLiked, TrackUnliked]);
    const bytes = serdes.derived(TrackUnliked).serialize(liked, "t");
    const event = serdes.events([TrackLiked]).deserialize(bytes, "t");
    expect(event).toEqual({ type: TrackUnliked.name, value: liked });
  });

  it("fails at start-up for a written type that is not registered", async () => {
    await expect(
      AvroSerdes.create(memoryRegistry(), { write: [TrackLiked] }),
    ).rejects.toBeInstanceOf(SchemaNotRegistered);
  });

  it("derives name-based version-5 UUIDs", () => {
    expect(nameBasedUuid("a")).toBe(nameBasedUuid("a"));
    expect(nameBasedUuid("a")).not.toBe(nameBasedUuid("b"));
    expect(nameBasedUuid("a")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
