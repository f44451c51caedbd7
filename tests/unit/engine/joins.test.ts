import { afterEach, describe, expect, it } from "vitest";
import {
  JoinWindows,
  Serdes,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";

const str = Serdes.string();
const strings = { keySerde: str, valueSerde: str };
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(build: (b: StreamsBuilder) => void) {
  const b = new StreamsBuilder();
  build(b);
  driver = new TopologyTestDriver(b.build());
  const d = driver;
  const out = d.createOutputTopic("out", str, str);
  return {
    input: (topic: string) => d.createInputTopic(topic, str, str),
    read: () => out.readKeyValuesToList(),
  };
}

describe("stream-table join", () => {
  it("inner join meets the table's current value; table updates alone emit nothing", () => {
    const { input, read } = start((b) => {
      const users = b.table("users", strings);
      b.stream("plays", strings)
        .join(users, (track, user) => `${user}:${track}`)
        .to("out", { valueSerde: str });
    });
    input("plays").pipeInput("u1", "t0");
    input("users").pipeInput("u1", "ann");
    input("plays").pipeInput("u1", "t1");
    input("users").pipeInput("u1", null);
    input("plays").pipeInput("u1", "t2");
    expect(read()).toEqual([["u1", "ann:t1"]]);
  });

  it("left join passes null for a missing row, and repartitions after a key change", () => {
    const { input, read } = start((b) => {
      const users = b.table("users", strings);
      b.stream("plays", strings)
        .selectKey((_track, user) => user)
        .leftJoin(users, (track, user) => `${user ?? "?"}:${track}`, { keySerde: str })
        .to("out", { valueSerde: str });
    });
    input("users").pipeInput("u1", "ann");
    input("plays").pipeInput("t1", "u1");
    input("plays").pipeInput("t2", "u2");
    expect(read()).toEqual([
      ["u1", "ann:u1"],
      ["u2", "?:u2"],
    ]);
    expect(driver?.topology.internalTopics.map((t) => t.kind)).toEqual(["repartition"]);
  });

  it("a global table is joined by a key computed from the record", () => {
    const { input, read } = start((b) => {
      const artists = b.globalTable("artists", strings);
      b.stream("plays", strings)
        .join(
          artists,
          (_user, artistId) => artistId,
          (artistId, name) => `${artistId}=${name}`,
        )
        .to("out", { valueSerde: str });
    });
    input("artists").pipeInput("a1", "Björk");
    input("plays").pipeInput("u1", "a1");
    input("plays").pipeInput("u1", "a2");
    expect(read()).toEqual([["u1", "a1=Björk"]]);
  });
});

describe("table-table join", () => {
  function tables(kind: "join" | "leftJoin" | "outerJoin") {
    return start((b) => {
      const left = b.table("left", strings);
      const right = b.table("right", strings);
      const joined =
        kind === "join"
          ? left.join(right, (l, r) => `${l}+${r}`)
          : kind === "leftJoin"
            ? left.leftJoin(right, (l, r) => `${l}+${r}`)
            : left.outerJoin(right, (l, r) => `${l}+${r}`);
      joined.toStream().to("out", { valueSerde: str });
    });
  }

  it("inner: updates on either side emit; a delete emits a tombstone", () => {
    const { input, read } = tables("join");
    input("left").pipeInput("k", "a");
    input("right").pipeInput("k", "x");
    input("left").pipeInput("k", "b");
    input("right").pipeInput("k", null);
    input("left").pipeInput("k", null);
    expect(read()).toEqual([
      ["k", "a+x"],
      ["k", "b+x"],
      ["k", null],
    ]);
  });

  it("left: a left row without a right row joins with null; deleting the left row is a tombstone", () => {
    const { input, read } = tables("leftJoin");
    input("left").pipeInput("k", "a");
    input("right").pipeInput("k", "x");
    input("right").pipeInput("k", null);
    input("left").pipeInput("k", null);
    input("right").pipeInput("k", "y");
    expect(read()).toEqual([
      ["k", "a+null"],
      ["k", "a+x"],
      ["k", "a+null"],
      ["k", null],
    ]);
  });

  it("outer: either side alone is a row", () => {
    const { input, read } = tables("outerJoin");
    input("right").pipeInput("k", "x");
    input("left").pipeInput("k", "a");
    input("right").pipeInput("k", null);
    input("left").pipeInput("k", null);
    expect(read()).toEqual([
      ["k", "null+x"],
      ["k", "a+x"],
      ["k", "a+null"],
      ["k", null],
    ]);
  });
});

describe("stream-stream windowed join", () => {
  it("inner: joins records of the same key within the window, both directions", () => {
    const { input, read } = start((b) => {
      const clicks = b.stream("clicks", strings);
      const views = b.stream("views", strings);
      clicks.join(views, (c, v) => `${c}/${v}`, JoinWindows.of(10)).to("out", { valueSerde: str });
    });
    input("views").pipeInput("k", "v1", 100);
    input("clicks").pipeInput("k", "c1", 105); // joins v1
    input("clicks").pipeInput("k", "c2", 120); // v1 is 20 ms away: no
    input("views").pipeInput("k", "v2", 112); // joins c1 (7 ms) and c2 (8 ms)
    input("views").pipeInput("other", "v3", 120);
    expect(read()).toEqual([
      ["k", "c1/v1"],
      ["k", "c1/v2"],
      ["k", "c2/v2"],
    ]);
    const times = driver?.producedRecords("out").map((r) => r.timestamp);
    expect(times).toEqual([105, 112, 120]);
  });

  it("drops records older than the window plus grace and counts them", () => {
    const { input, read } = start((b) => {
      const clicks = b.stream("clicks", strings);
      clicks
        .join(b.stream("views", strings), (c, v) => `${c}/${v}`, JoinWindows.of(10).grace(5))
        .to("out", { valueSerde: str });
    });
    input("views").pipeInput("k", "v1", 100);
    input("clicks").pipeInput("k", "c1", 200);
    input("clicks").pipeInput("k", "c0", 101); // 101 + 10 + 5 < 200: too late
    expect(read()).toEqual([]);
    expect(driver?.droppedRecords({ reason: "late" })).toBe(1);
  });

  it("left: an unmatched left record is emitted with null only once its window closes", () => {
    const { input, read } = start((b) => {
      const clicks = b.stream("clicks", strings);
      clicks
        .leftJoin(b.stream("views", strings), (c, v) => `${c}/${v}`, JoinWindows.of(10))
        .to("out", { valueSerde: str });
    });
    input("clicks").pipeInput("k", "c1", 100);
    input("clicks").pipeInput("k", "c2", 100);
    input("views").pipeInput("k", "v1", 105); // c1 and c2 match: no null results for them
    input("clicks").pipeInput("k", "c3", 130);
    expect(read()).toEqual([
      ["k", "c1/v1"],
      ["k", "c2/v1"],
    ]);
    input("views").pipeInput("x", "v9", 141); // stream time 141 > 130 + 10: c3's window closed
    expect(read()).toEqual([["k", "c3/null"]]);
  });
});

describe("foreign-key join", () => {
  // tracks (key: trackId, value: "title|albumId") join albums (key: albumId, value: album title)
  function fk(kind: "join" | "leftJoin") {
    return start((b) => {
      const tracks = b.table("tracks", strings);
      const albums = b.table("albums", strings);
      const albumOf = (track: string) => track.split("|")[1] as string;
      const joiner = (track: string, album: string | null) => `${track.split("|")[0]} on ${album}`;
      const joined =
        kind === "join"
          ? tracks.join(albums, albumOf, joiner, { name: "track-album", valueSerde: str })
          : tracks.leftJoin(albums, albumOf, joiner, { name: "track-album", valueSerde: str });
      joined.toStream().to("out", { valueSerde: str });
    });
  }

  it("declares subscription and response topics partitioned like each side", () => {
    fk("join");
    expect(driver?.topology.internalTopics).toEqual([
      {
        name: "track-album-subscription-registration-topic",
        kind: "subscription",
        partitionsLike: ["albums"],
      },
      {
        name: "track-album-subscription-response-topic",
        kind: "response",
        partitionsLike: ["tracks"],
      },
    ]);
  });

  it("inner: joins on the foreign key, fans right updates out, follows FK changes and deletes", () => {
    const { input, read } = fk("join");
    input("tracks").pipeInput("t1", "Song|a1"); // no album yet: nothing
    input("albums").pipeInput("a1", "Debut");
    input("tracks").pipeInput("t2", "Tune|a1");
    expect(read()).toEqual([
      ["t1", "Song on Debut"],
      ["t2", "Tune on Debut"],
    ]);

    input("albums").pipeInput("a1", "Debut (remaster)"); // fan-out to both subscribers
    expect(read()).toEqual([
      ["t1", "Song on Debut (remaster)"],
      ["t2", "Tune on Debut (remaster)"],
    ]);

    input("tracks").pipeInput("t1", "Song|a2"); // FK change to an album that does not exist
    expect(read()).toEqual([["t1", null]]);
    input("albums").pipeInput("a1", "Debut (deluxe)"); // t1 unsubscribed from a1
    expect(read()).toEqual([["t2", "Tune on Debut (deluxe)"]]);

    input("albums").pipeInput("a2", "Homogenic");
    input("albums").pipeInput("a1", null); // right-side delete
    input("tracks").pipeInput("t1", null); // left-side delete
    expect(read()).toEqual([
      ["t1", "Song on Homogenic"],
      ["t2", null],
      ["t1", null],
    ]);
    expect(driver?.getKeyValueStore<string, string>("track-album-store").get("t2")).toBeUndefined();
  });

  it("left: rows without a right value join with null", () => {
    const { input, read } = fk("leftJoin");
    input("tracks").pipeInput("t1", "Song|a1");
    input("albums").pipeInput("a1", "Debut");
    input("albums").pipeInput("a1", null);
    input("tracks").pipeInput("t1", "Song|a9");
    input("tracks").pipeInput("t1", null);
    expect(read()).toEqual([
      ["t1", "Song on null"],
      ["t1", "Song on Debut"],
      ["t1", "Song on null"],
      ["t1", "Song on null"],
      ["t1", null],
    ]);
  });

  it("inner: a left update racing its right row's delete still retracts the row", () => {
    // The race of a real cluster, in the driver's FIFO order. One record of "changes"
    // updates track t1 (same album) and deletes album a1 through the "albums" topic, which
    // is forwarded first. The delete's fan-out answers t1's old subscription, and the
    // resolver drops that answer (t1's hash has changed); t1's new subscription reaches
    // the right side after the delete. Unless an update asks for an answer even without a
    // right value (Kafka Streams' PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE), nothing retracts
    // "Song on Debut" (views-property seed -1187447656: an album update racing its artist's
    // delete left two track documents of the deleted artist in the search index).
    const { input, read } = start((b) => {
      const changes = b.stream("changes", strings);
      changes
        .filter((_k, v) => v.endsWith("|delete"))
        .map((_k, v): [string, string | null] => [v.split("|")[1] as string, null])
        .to("albums", strings);
      const tracks = changes
        .mapValues((v) => v.replace(/\|delete$/, ""))
        .toTable({ name: "tracks", ...strings });
      const albums = b.table("albums", strings);
      const albumOf = (track: string) => track.split("|")[1] as string;
      tracks
        .join(albums, albumOf, (track, album) => `${track.split("|")[0]} on ${album}`, {
          name: "track-album",
          valueSerde: str,
        })
        .toStream()
        .to("out", { valueSerde: str });
    });
    input("albums").pipeInput("a1", "Debut");
    input("changes").pipeInput("t1", "Song|a1");
    expect(read()).toEqual([["t1", "Song on Debut"]]);
    input("changes").pipeInput("t1", "Song (edit)|a1|delete");
    expect(read()).toEqual([["t1", null]]);
    expect(driver?.getKeyValueStore<string, string>("track-album-store").get("t1")).toBeUndefined();
  });

  it("ignores a stale answer when the left row changed in between", () => {
    const { input, read } = fk("join");
    input("albums").pipeInput("a1", "Debut");
    input("albums").pipeInput("a2", "Post");
    // Both updates are piped before either answer would arrive in a real cluster; the
    // driver processes in FIFO order, so this checks the hash guard via the final state.
    input("tracks").pipeInput("t1", "Song|a1");
    input("tracks").pipeInput("t1", "Song|a2");
    expect(read().at(-1)).toEqual(["t1", "Song on Post"]);
    expect(driver?.getKeyValueStore<string, string>("track-album-store").get("t1")).toBe(
      "Song on Post",
    );
  });
});
