import { describe, expect, it, vi } from "vitest";
import { operationKey, preloadManagePage, takePreloaded } from "./preload";

function at(url: string): Location {
  return new URL(url, "http://app.test") as unknown as Location;
}

describe("Manage page preload", () => {
  it("asks for the connection and the data tab in the URL, and hands each answer out once", async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => Response.json({ data: { ok: true } }));
    vi.stubGlobal("fetch", fetchMock);
    preloadManagePage(at("/manage?tab=jobs&jobs.q=%20lawn%20&jobs.after=c1,c2&clients.q=Ann"));

    const bodies = fetchMock.mock.calls.map(([, init]) => JSON.parse(String(init?.body)));
    expect(bodies.map((b) => b.operationName)).toEqual(["ManageConnection", "SyncedJobs"]);
    expect(bodies[1].variables).toEqual({ first: 20, after: "c2", search: "lawn" });
    // Sent as Apollo sends it, with __typename selected.
    expect(bodies[0].query).toMatch(/connection \{\s+__typename/);

    const answer = takePreloaded("SyncedJobs", { search: "lawn", first: 20, after: "c2" });
    expect(await answer).toEqual({ data: { ok: true } });
    expect(takePreloaded("SyncedJobs", { search: "lawn", first: 20, after: "c2" })).toBeUndefined();
    expect(takePreloaded("SyncedJobs", { first: 20, after: null, search: null })).toBeUndefined();
    expect(await takePreloaded("ManageConnection", {})).toEqual({ data: { ok: true } });
  });

  it("does nothing on other pages", () => {
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal("fetch", fetchMock);
    preloadManagePage(at("/"));
    preloadManagePage(at("/denied"));
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("keys operations by name and variables, whatever their order", () => {
    expect(operationKey("A", { b: 1, a: null, c: undefined })).toBe(operationKey("A", { a: null, b: 1 }));
    expect(operationKey("A", { a: 1 })).not.toBe(operationKey("B", { a: 1 }));
  });
});
