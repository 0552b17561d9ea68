import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { When } from "./time";

const now = new Date("2026-03-04T15:00:00Z");

describe("When", () => {
  it("reads an instant that has happened as past even when it is a little after the clock", () => {
    render(<When value="2026-03-04T15:00:20Z" now={now} />);
    expect(screen.getByText("just now")).toHaveAttribute("datetime", "2026-03-04T15:00:20Z");
  });

  it("reads a time ahead as ahead", () => {
    render(<When value="2026-03-04T15:05:00Z" now={now} past={false} />);
    expect(screen.getByText("in 5 minutes")).toHaveAttribute("title");
  });

  it("says what stands for no time", () => {
    render(<When value={null} none="never" />);
    expect(screen.getByText("never")).toBeVisible();
  });
});
