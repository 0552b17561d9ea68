import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { exampleTabs, operationTabs, START_HERE } from "./examples";

describe("playground examples", () => {
  it("makes one tab per operation, with the fragments it spreads from any file", () => {
    const tabs = operationTabs({
      "../features/b/b.graphql": "# Reads A.\nquery A($first: Int!, $after: String, $full: Boolean!) {\n  a(first: $first) { ...F }\n}\n\nmutation B { b }\n",
      "../app/a.graphql": "fragment F on T {\n  x\n  ...G\n}\n\nfragment G on T { y }\n",
    });
    expect(tabs).toHaveLength(2);
    expect(tabs[0]?.query).toBe(
      "# From frontend/src/features/b/b.graphql\nquery A($first: Int!, $after: String, $full: Boolean!) {\n  a(first: $first) { ...F }\n}\n\nfragment F on T {\n  x\n  ...G\n}\n\nfragment G on T { y }\n",
    );
    // Required variables get a value to run with; optional ones are left out.
    expect(JSON.parse(tabs[0]?.variables ?? "")).toEqual({ first: 10, full: false });
    expect(tabs[1]).toEqual({
      query: "# From frontend/src/features/b/b.graphql\n# A mutation: running it changes the account's data.\nmutation B { b }\n",
    });
  });

  it("starts with the start-here query, then every operation of the SPA, each runnable alone", () => {
    const tabs = exampleTabs();
    expect(tabs[0]?.query).toBe(START_HERE);
    const names = tabs.map((tab) => {
      const operations = parse(tab.query).definitions.filter((d) => d.kind === "OperationDefinition");
      expect(operations).toHaveLength(1);
      return operations[0]?.name?.value;
    });
    // Reads (the shell's, the Manage page's, then the data tabs'), the subscription, mutations last.
    expect(names.slice(0, 4)).toEqual(["StartHere", "AppInfo", "ConnectionPresence", "ManageConnection"]);
    expect(names).toEqual(expect.arrayContaining(["SyncStatus", "RecentWebhookEvents", "SyncedClients"]));
    expect(names.slice(-3)).toEqual(["SyncProgress", "Disconnect", "StartSync"]);
    expect(new Set(names).size).toBe(names.length);
  });
});
