/**
 * What every page must satisfy on every screen: no sideways scrolling, no serious or critical
 * accessibility violation (axe-core), no request to another origin, no CSP violation.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { BrowserContext, Page, Request } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/**
 * Runs axe-core in the page. The script goes in through `page.evaluate` (DevTools), which the
 * page's Content-Security-Policy does not apply to, unlike a `<script>` tag.
 */
export async function axeViolations(page: Page, within?: string): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const source = await axeSource;
  await page.evaluate((code) => {
    if (!(window as unknown as { axe?: unknown }).axe) (0, eval)(code);
  }, source);
  const violations = await page.evaluate(async (selector) => {
    const axe = (window as unknown as { axe: { run(ctx: Document | string, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(selector ?? document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, within);
  return violations;
}

/** Fails with every serious or critical axe violation on the page (or in `within`), and where. */
export async function expectAccessible(page: Page, where: string, within?: string): Promise<void> {
  const bad = (await axeViolations(page, within)).filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`);
  expect(report, `axe violations on ${where}`).toEqual([]);
}

/** Fails when the page is wider than the viewport (the merchant would have to scroll sideways). */
export async function expectNoHorizontalOverflow(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    const innerWidth = window.innerWidth;
    // Name the element that sticks out, to make a failure easy to fix.
    let widest = "";
    for (const el of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
      const rect = el.getBoundingClientRect();
      if (rect.right > innerWidth + 0.5 && rect.width > 0) {
        widest = `${el.tagName.toLowerCase()}.${el.className} (right edge ${Math.round(rect.right)})`;
        break;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, widest };
  });
  expect(scrollWidth, `${where} is ${scrollWidth}px wide in a ${innerWidth}px window: ${widest}`).toBeLessThanOrEqual(
    innerWidth,
  );
}

/**
 * Waits for running CSS and Web Animations with an end (e.g. a disclosure fading open) to finish:
 * axe measures colour contrast as rendered, and half-faded text would read as too pale.
 * Endless ones (loading shimmers) are left alone.
 */
export async function animationsSettled(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity))
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/** Both checks, once the page has settled. */
export async function expectPageOk(page: Page, where: string): Promise<void> {
  await animationsSettled(page);
  await expectNoHorizontalOverflow(page, where);
  await expectAccessible(page, where);
}

/**
 * Records requests to origins other than `allowed` and CSP violations reported on the console,
 * from now on. `assertClean()` fails with what it saw.
 */
export function watchPage(page: Page, allowed: string[]) {
  const foreign: string[] = [];
  const csp: string[] = [];
  const origins = new Set(allowed.map((url) => new URL(url).origin));
  page.on("request", (request: Request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (!origins.has(url.origin)) foreign.push(request.url());
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|apply|execute|connect)/i.test(message.text())) csp.push(message.text());
  });
  return {
    assertClean() {
      expect(foreign, "requests to other origins").toEqual([]);
      expect(csp, "Content-Security-Policy violations").toEqual([]);
    },
  };
}

/** The backend contract's Content-Security-Policy: no inline styles or scripts, nothing from another origin. */
export const CONTRACT_CSP =
  "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'; " +
  "img-src 'self' data:; font-src 'self' data:; style-src 'self'; connect-src 'self'";

/**
 * Holds every document `origin` serves in `context` to `policy`: a response without a
 * Content-Security-Policy header gets it added (one with its own is left as the server sent it).
 * Returns how many documents went through, to prove the route was in force.
 *
 * A document answered through `route.fulfill` has no network address of its own, and Chromium's
 * Local Network Access checks would then refuse its WebSocket to 127.0.0.1
 * (`ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS`: subscriptions silently fail). Granting the
 * origin local network access keeps it as it is when the server answers directly. (Editing the
 * headers with DevTools' `Fetch.continueResponse` instead keeps the address, but Chromium does
 * not apply a policy added that way.)
 */
export async function enforceCsp(context: BrowserContext, origin: string, policy = CONTRACT_CSP) {
  const counter = { served: 0 };
  const own = new URL(origin).origin;
  await context.grantPermissions(["local-network-access"], { origin: own });
  await context.route(
    (url) => url.origin === own,
    async (route) => {
      if (route.request().resourceType() !== "document") return route.continue();
      // Redirects (the OAuth callback) go back to the browser, with their cookies.
      const response = await route.fetch({ maxRedirects: 0 });
      const headers = response.headers();
      if (!headers["content-security-policy"]) headers["content-security-policy"] = policy;
      counter.served += 1;
      await route.fulfill({ response, headers });
    },
  );
  return counter;
}
