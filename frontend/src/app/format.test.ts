import { describe, expect, it } from "vitest";
import {
  formatCalendarDate,
  formatDateTime,
  formatDayAndTime,
  formatMoney,
  formatRelative,
  formatTime,
  jobberStatus,
  titleCase,
  topicName,
} from "./format";

// Fixed locale and zone: the functions default to the browser's, which differ per machine.
const us = { locale: "en-US", timeZone: "America/Toronto" } as const;
const now = new Date("2026-12-01T20:00:00Z");

describe("Jobber statuses", () => {
  it.each([
    ["past_due", "Past due", "critical"],
    ["awaiting_payment", "Awaiting payment", "informative"],
    ["paid", "Paid", "success"],
    ["action_required", "Action required", "warning"],
    ["requires_invoicing", "Needs invoicing", "warning"],
    ["changes_requested", "Changes requested", "warning"],
    ["approved", "Approved", "success"],
    ["draft", "Draft", "inactive"],
  ])("%s reads %j", (raw, label, indicator) => {
    expect(jobberStatus(raw)).toEqual({ label, indicator });
  });

  it("title-cases a status it does not know instead of showing it raw", () => {
    expect(jobberStatus("waiting_on_parts")).toEqual({ label: "Waiting On Parts", indicator: "inactive" });
    expect(jobberStatus("PAST_DUE")?.label).toBe("Past due");
  });

  it("has nothing to say about a missing status", () => {
    expect(jobberStatus(null)).toBeNull();
    expect(jobberStatus("")).toBeNull();
  });

  it("title-cases words split by underscores, dashes and spaces", () => {
    expect(titleCase("some_new-STATE here")).toBe("Some New State Here");
  });
});

describe("dates", () => {
  it("shows a calendar date without a time and without shifting it into the local zone", () => {
    expect(formatCalendarDate("2026-12-15", us)).toBe("Dec 15, 2026");
    // Midnight UTC is the evening before in Toronto: the calendar date must not move.
    expect(formatCalendarDate("2026-12-15T00:00:00Z", us)).toBe("Dec 15, 2026");
    expect(formatCalendarDate(null, us)).toBe("—");
  });

  it("formats an instant in full, and its time alone", () => {
    expect(formatDateTime("2026-12-01T19:15:00Z", us)).toBe("Dec 1, 2026, 2:15 PM");
    expect(formatTime("2026-12-01T19:15:00Z", us)).toBe("2:15 PM");
  });

  it("says a day and a time for a sentence, with the year only when it is another year", () => {
    expect(formatDayAndTime("2026-12-01T20:04:00Z", { ...us, now })).toBe("Dec 1 at 3:04 PM");
    expect(formatDayAndTime("2025-06-01T16:00:00Z", { ...us, now })).toBe("Jun 1, 2025 at 12:00 PM");
  });

  it("leaves a value it cannot parse as it is", () => {
    expect(formatDateTime("soon", us)).toBe("soon");
    expect(formatCalendarDate("someday", us)).toBe("someday");
  });
});

describe("money", () => {
  it("groups and shows two decimals, without claiming a currency", () => {
    expect(formatMoney(1234.5, { locale: "en-US" })).toBe("1,234.50");
    expect(formatMoney(0, { locale: "en-US" })).toBe("0.00");
    expect(formatMoney(-12, { locale: "en-US" })).toBe("-12.00");
    expect(formatMoney(1234567.891, { locale: "de-DE" })).toBe("1.234.567,89");
    expect(formatMoney(1234.5, { locale: "en-US" })).not.toMatch(/[$€£]/);
  });

  it("shows a dash for a missing amount", () => {
    expect(formatMoney(null)).toBe("—");
    expect(formatMoney(undefined)).toBe("—");
  });
});

describe("relative times", () => {
  const at = (secondsFromNow: number) => new Date(now.getTime() + secondsFromNow * 1000).toISOString();

  it.each([
    [-10, "just now"],
    [20, "in less than a minute"],
    [-3 * 60, "3 minutes ago"],
    [12 * 60, "in 12 minutes"],
    [-55 * 60, "1 hour ago"],
    [-2 * 3600, "2 hours ago"],
    [-26 * 3600, "yesterday"],
    [-3 * 86400, "3 days ago"],
    [2 * 86400, "in 2 days"],
  ])("%d s from now reads %j", (offset, text) => {
    expect(formatRelative(at(offset), { locale: "en-US", now })).toBe(text);
  });
});

describe("webhook topic names", () => {
  it.each([
    ["CLIENT_UPDATE", "Client updated"],
    ["CLIENT_CREATE", "Client added"],
    ["PROPERTY_DESTROY", "Property deleted"],
    ["INVOICE_PAID", "Invoice paid"],
    ["QUOTE_APPROVED", "Quote approved"],
    ["VISIT_COMPLETE", "Visit completed"],
    ["APP_DISCONNECT", "Disconnected in Jobber"],
  ])("%s reads %j", (topic, name) => {
    expect(topicName(topic)).toBe(name);
  });

  it("gives topics it does not know a readable name", () => {
    expect(topicName("VEHICLE_CHECKED_IN")).toBe("Vehicle checked in");
    expect(topicName("EQUIPMENT_UPDATE")).toBe("Equipment updated");
    expect(topicName("???")).toBe("Change in Jobber");
  });
});
