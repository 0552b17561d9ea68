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

/** An instant as a `<time>`: relative ("3 minutes ago", exact on hover) or exact; "—" for none. */
export function When({
  value,
  now,
  exact = false,
  none = "—",
}: {
  value: string | null | undefined;
  now?: Date;
  exact?: boolean;
  none?: string;
}) {
  if (!value) return <span className="admin-none">{none}</span>;
  const full = formatExact(value);
  if (exact) return <time dateTime={value}>{full}</time>;
  return (
    <time dateTime={value} title={full}>
      {formatRelative(value, { now })}
    </time>
  );
}
