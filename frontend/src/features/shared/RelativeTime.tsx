import { Tooltip } from "@jobber/components/Tooltip";
import { useEffect, useState } from "react";
import { formatDateTime, formatRelative } from "../../app/format";

/** The current time, refreshed every `intervalMs` so relative times ("3 minutes ago") stay true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * "3 minutes ago" as a `<time dateTime>`, with the exact time in an Atlantis tooltip that opens on
 * hover and on keyboard focus (the element is focusable) and is announced as its description.
 */
export function RelativeTime({ value, now }: { value: string; now: Date }) {
  const exact = formatDateTime(value);
  return (
    // Keyed on the value: Tooltip sets the description on its child once, when it mounts.
    <Tooltip key={value} message={exact}>
      <time dateTime={value} className="relative-time">
        {formatRelative(value, { now })}
      </time>
    </Tooltip>
  );
}
