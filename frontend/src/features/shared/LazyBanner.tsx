import type { Banner as AtlantisBanner } from "@jobber/components/Banner";
import { lazy, Suspense, type ComponentProps } from "react";

// Atlantis' Banner (with the resize-observer hooks it uses) is fetched only when a small page has
// something to warn about, keeping it out of the entry chunk that every first visit downloads.
const Banner = lazy(() => import("@jobber/components/Banner").then((m) => ({ default: m.Banner })));

/**
 * Atlantis' Banner for the small pages (Connect, errors, disconnected): until its code has
 * arrived, the same message shows as plain text, so nothing waits on the network to be said.
 */
export function LazyBanner(props: ComponentProps<typeof AtlantisBanner>) {
  return (
    <Suspense fallback={<p className="banner-fallback">{props.children}</p>}>
      <Banner {...props} />
    </Suspense>
  );
}
