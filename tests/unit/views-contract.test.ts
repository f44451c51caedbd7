import { describe, expect, it } from "vitest";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { viewContracts, viewNames } from "../../sinks/contract.ts";
import { allViews } from "../../sinks/views.ts";

describe("the views' contract", () => {
  it("names every view the sinks run, with the database and events the sink really uses", () => {
    const views = allViews({ engine: {} as SearchEngine });
    expect(views.map((v) => v.name).sort()).toEqual([...viewNames].sort());
    for (const view of views) {
      const contract = viewContracts[view.name as keyof typeof viewContracts];
      expect(view.database, view.name).toBe(contract.database);
      expect(
        view.events.map((e) => e.name),
        view.name,
      ).toEqual(contract.events.map((e) => e.name));
    }
  });
});
