import { useSyncExternalStore } from "react";

/** Whether a CSS media query matches now; re-renders when that changes (e.g. a phone rotates). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}

/** Where record lists switch from stacked cards to tables (Atlantis' "medium screens and up"). */
export const WIDE_SCREEN = "(min-width: 768px)";
