//! Every value a merchant reads, in plain words: Jobber statuses, calendar dates, instants,
//! relative times, money and webhook topics. Pure functions (the locale, time zone and "now" can
//! be passed in), so they are unit-tested without a browser.

/** Where and when to format; defaults: the browser's locale and time zone, the current time. */
export interface FormatContext {
  locale?: string;
  timeZone?: string;
}

const EMPTY = "—";

function cached<K, V>(make: (key: K) => V): (key: K) => V {
  const cache = new Map<string, V>();
  return (key) => {
    const id = JSON.stringify(key);
    let value = cache.get(id);
    if (value === undefined) {
      value = make(key);
      cache.set(id, value);
    }
    return value;
  };
}

const dateTimeFormat = cached(
  ([locale, timeZone, options]: [string | undefined, string | undefined, Intl.DateTimeFormatOptions]) =>
    new Intl.DateTimeFormat(locale, { ...options, timeZone }),
);

function parseInstant(value: string): Date | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A backend RFC 3339 instant in full, e.g. "Mar 4, 2025, 2:05 PM" (the exact time behind a relative one). */
export function formatDateTime(value: string, ctx: FormatContext = {}): string {
  const date = parseInstant(value);
  if (!date) return value;
  return dateTimeFormat([ctx.locale, ctx.timeZone, { dateStyle: "medium", timeStyle: "short" }]).format(date);
}

/** Only the clock time of an instant, e.g. "2:15 PM" (for "we'll retry at 2:15 PM"). */
export function formatTime(value: string, ctx: FormatContext = {}): string {
  const date = parseInstant(value);
  if (!date) return value;
  return dateTimeFormat([ctx.locale, ctx.timeZone, { timeStyle: "short" }]).format(date);
}

/**
 * A day and a time for a sentence: "Dec 1 at 3:04 PM", with the year only when it is not the
 * current one ("Dec 1, 2025 at 3:04 PM").
 */
export function formatDayAndTime(value: string, ctx: FormatContext & { now?: Date } = {}): string {
  const date = parseInstant(value);
  if (!date) return value;
  const now = ctx.now ?? new Date();
  const year = (d: Date) => dateTimeFormat([ctx.locale, ctx.timeZone, { year: "numeric" }]).format(d);
  const day = dateTimeFormat([
    ctx.locale,
    ctx.timeZone,
    year(date) === year(now) ? { month: "short", day: "numeric" } : { month: "short", day: "numeric", year: "numeric" },
  ]).format(date);
  return `${day} at ${formatTime(value, ctx)}`;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * A calendar date Jobber gives without a time (an invoice's issue or due date), e.g.
 * "Dec 15, 2026". Takes `2026-12-15` (NaiveDate) or an instant whose date part is the calendar
 * date (`2026-12-15T00:00:00Z`): the date is read as written, never shifted into the browser's
 * time zone, which would turn midnight UTC into the day before in the Americas.
 */
export function formatCalendarDate(value: string | null | undefined, ctx: FormatContext = {}): string {
  if (!value) return EMPTY;
  const match = CALENDAR_DATE.exec(value);
  if (!match) return value;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), 12));
  return dateTimeFormat([ctx.locale, "UTC", { dateStyle: "medium" }]).format(date);
}

const moneyFormat = cached(
  (locale: string | undefined) =>
    new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
);

/**
 * An amount of money: grouped for the locale, two decimals, and no currency symbol, because
 * Jobber's API does not say which currency the account bills in (claiming "$" or "US$" would be
 * wrong for many merchants).
 */
export function formatMoney(value: number | null | undefined, ctx: FormatContext = {}): string {
  return value == null || Number.isNaN(value) ? EMPTY : moneyFormat(ctx.locale).format(value);
}

const relativeFormat = cached(
  (locale: string | undefined) => new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "long" }),
);

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/**
 * How long ago (or how soon) an instant is, for people: "just now", "3 minutes ago",
 * "in 12 minutes", "yesterday". Pair it with the exact time (see `RelativeTime`).
 */
export function formatRelative(value: string, ctx: FormatContext & { now?: Date } = {}): string {
  const date = parseInstant(value);
  if (!date) return value;
  const now = ctx.now ?? new Date();
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in less than a minute";
  for (const [unit, size] of UNITS) {
    // Round to the nearest unit once at least ~90% of one has passed (so 55 min reads "1 hour").
    if (abs >= size * 0.9 || unit === "minute") {
      return relativeFormat(ctx.locale).format(Math.round(seconds / size) || Math.sign(seconds), unit);
    }
  }
  return formatDateTime(value, ctx);
}

/** Atlantis StatusLabel colours. */
export type Indicator = "success" | "warning" | "critical" | "inactive" | "informative";

export interface StatusWords {
  label: string;
  indicator: Indicator;
}

/** Jobber's job, quote and invoice statuses (JobStatusTypeEnum, QuoteStatusTypeEnum, InvoiceStatusTypeEnum). */
const JOBBER_STATUS: Record<string, StatusWords> = {
  // Jobs
  active: { label: "Active", indicator: "success" },
  upcoming: { label: "Upcoming", indicator: "informative" },
  today: { label: "Today", indicator: "informative" },
  late: { label: "Late", indicator: "critical" },
  action_required: { label: "Action required", indicator: "warning" },
  requires_invoicing: { label: "Needs invoicing", indicator: "warning" },
  on_hold: { label: "On hold", indicator: "inactive" },
  unscheduled: { label: "Unscheduled", indicator: "inactive" },
  archived: { label: "Archived", indicator: "inactive" },
  // Quotes
  draft: { label: "Draft", indicator: "inactive" },
  awaiting_response: { label: "Awaiting response", indicator: "informative" },
  changes_requested: { label: "Changes requested", indicator: "warning" },
  approved: { label: "Approved", indicator: "success" },
  converted: { label: "Converted to job", indicator: "success" },
  // Invoices
  awaiting_payment: { label: "Awaiting payment", indicator: "informative" },
  past_due: { label: "Past due", indicator: "critical" },
  paid: { label: "Paid", indicator: "success" },
  bad_debt: { label: "Bad debt", indicator: "critical" },
};

/** "some_new_state" / "SOME-NEW STATE" → "Some New State". */
export function titleCase(value: string): string {
  return value
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(" ");
}

/**
 * A Jobber status in the merchant's words with a colour, e.g. `past_due` → "Past due" (critical).
 * A status Jobber adds later is title-cased ("Some New State"), never shown raw. Null → null.
 */
export function jobberStatus(value: string | null | undefined): StatusWords | null {
  if (!value) return null;
  const known = JOBBER_STATUS[value.trim().toLowerCase()];
  return known ?? { label: titleCase(value) || value, indicator: "inactive" };
}

const TOPIC_SUBJECTS: Record<string, string> = {
  CLIENT: "Client",
  PROPERTY: "Property",
  JOB: "Job",
  QUOTE: "Quote",
  INVOICE: "Invoice",
  REQUEST: "Request",
  VISIT: "Visit",
  PAYMENT: "Payment",
  EXPENSE: "Expense",
  STATEMENT: "Statement",
  REFERRAL: "Referral",
  TIMESHEET: "Timesheet entry",
  USER: "User",
  PRODUCT_OR_SERVICE: "Product or service",
};

const TOPIC_ACTIONS: Record<string, string> = {
  CREATE: "added",
  CREATED: "added",
  UPDATE: "updated",
  UPDATED: "updated",
  DESTROY: "deleted",
  DELETE: "deleted",
  DELETED: "deleted",
  SENT: "sent",
  APPROVED: "approved",
  COMPLETE: "completed",
  COMPLETED: "completed",
  CLOSED: "closed",
  PAID: "paid",
  ARCHIVED: "archived",
};

const TOPIC_SPECIAL: Record<string, string> = {
  APP_CONNECT: "Connected to Jobber",
  APP_DISCONNECT: "Disconnected in Jobber",
};

/**
 * A webhook topic as an event name: `CLIENT_UPDATE` → "Client updated", `INVOICE_PAID` →
 * "Invoice paid". Topics Jobber adds later read as words ("Vehicle checked in" from
 * `VEHICLE_CHECKED_IN`); anything unreadable is "Change in Jobber".
 */
export function topicName(topic: string): string {
  const key = topic.trim().toUpperCase();
  const special = TOPIC_SPECIAL[key];
  if (special) return special;
  const parts = key.split(/[_\s.-]+/).filter((p) => /^[A-Z0-9]+$/.test(p));
  if (parts.length === 0) return "Change in Jobber";
  const last = parts[parts.length - 1] ?? "";
  const action = TOPIC_ACTIONS[last];
  const subjectKey = (action ? parts.slice(0, -1) : parts).join("_");
  const subject = TOPIC_SUBJECTS[subjectKey] ?? sentence(subjectKey);
  if (action && subject) return `${subject} ${action}`;
  return sentence(parts.join("_")) || "Change in Jobber";
}

function sentence(words: string): string {
  const text = words.split("_").filter(Boolean).join(" ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
