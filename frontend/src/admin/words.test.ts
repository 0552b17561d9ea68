import { describe, expect, it } from "vitest";
import { actorName, auditKind, count, formatMs, installStatus, problem } from "./words";

describe("the console's words", () => {
  it("names what it knows and title-cases what it doesn't yet", () => {
    expect(installStatus("NEEDS_REAUTH")).toEqual({ label: "Needs reconnect", indicator: "critical" });
    expect(problem("DEAD_LETTERS").label).toBe("Dead letters");
    expect(auditKind("SYNC_REQUESTED").label).toBe("Sync requested");
    expect(actorName("OPERATOR")).toBe("Operator");
    expect(installStatus("PAUSED_BY_JOBBER")).toEqual({ label: "Paused By Jobber", indicator: "inactive" });
    expect(auditKind("TOKEN_REVOKED").label).toBe("Token Revoked");
    expect(actorName("ROBOT")).toBe("Robot");
  });

  it("counts in words and rounds latencies for people", () => {
    expect(count(1, "install")).toBe("1 install");
    expect(count(1200, "install")).toBe(`${(1200).toLocaleString()} installs`);
    expect(count(2, "delivery", "deliveries")).toBe("2 deliveries");
    expect(formatMs(null)).toBe("—");
    expect(formatMs(0.84)).toBe(`${(0.8).toLocaleString()} ms`);
    expect(formatMs(42.6)).toBe("43 ms");
    expect(formatMs(1500)).toBe(`${(1.5).toLocaleString()} s`);
  });
});
