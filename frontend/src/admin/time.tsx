//! Times in the console: exact (with seconds: the audit log's order matters) or relative with the
//! exact time in a `title`, always in the browser's locale and time zone.
import { useEffect, useState } from "react";
import { formatRelative } from "../app/format";

const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** "Mar 4, 2025, 2:05:09 PM" in the browser's locale. */
export function formatExact(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : exactFormat.format(date);
}

/** The current time, refreshed every `intervalMs` so relative times stay true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * An instant as a `<time>`: relative ("3 minutes ago", exact on hover) or exact; "—" for none.
 * `past` (the default) is for instants that have happened: one a little after `now` (which ticks
 * every 30 s) reads "just now", not "in less than a minute". Pass `past={false}` for times ahead.
 */
export function When({
  value,
  now,
  exact = false,
  past = true,
  none = "—",
}: {
  value: string | null | undefined;
  now?: Date;
  exact?: boolean;
  past?: boolean;
  none?: string;
}) {
  if (!value) return <span className="admin-none">{none}</span>;
  const full = formatExact(value);
  if (exact) return <time dateTime={value}>{full}</time>;
  const at = new Date(value);
  const reference = past && now && at > now ? at : now;
  return (
    <time dateTime={value} title={full}>
      {formatRelative(value, { now: reference })}
    </time>
  );
}
