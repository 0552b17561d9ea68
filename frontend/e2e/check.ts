/**
 * What every page must satisfy on every screen: no sideways scrolling, no serious or critical
 * accessibility violation (axe-core), no request to another origin, no CSP violation.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page, Request } from "playwright-core";
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
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const source = await axeSource;
  await page.evaluate((code) => {
    if (!(window as unknown as { axe?: unknown }).axe) (0, eval)(code);
  }, source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations;
}

/** Fails with every serious or critical axe violation on the page, and where. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const bad = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
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
