/**
 * The markup frontend/SERVER_PAGES.md documents for backend-rendered pages (read from that file,
 * so the document and this check cannot drift), styled by /server-pages.css as the backend serves
 * it: fits a phone and a laptop, no serious or critical axe violation (the Sandbox badge included).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectPageOk } from "./check";
import { DESKTOP, launchBrowser, PHONE, REPO_ROOT, startBackend, withPage, type Backend } from "./harness";

let browser: Browser;
let backend: Backend;

beforeAll(async () => {
  browser = await launchBrowser();
  backend = await startBackend();
});
afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

async function documentedMarkup(): Promise<string> {
  const doc = await readFile(path.join(REPO_ROOT, "frontend", "SERVER_PAGES.md"), "utf8");
  const html = /```html\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!html) throw new Error("SERVER_PAGES.md has no ```html block");
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace("<title>…", "<title>Switch account?")
    .replace("<h1 id=\"sp-title\">…", "<h1 id=\"sp-title\">Switch to another Jobber account?")
    .replace(/…/g, "You're signed in to Green Thumb Landscaping. Continue with the account you just chose in Jobber?");
}

describe.each([
  ["phone", PHONE],
  ["desktop", DESKTOP],
] as const)("server-rendered page markup on a %s", (name, viewport) => {
  it("is styled by /server-pages.css and accessible", async ({ task }) => {
    await withPage(
      `${name}-${task.name}`,
      browser,
      backend,
      async (page) => {
        const css = await page.request.get(`${backend.url}/server-pages.css`);
        expect(css.status()).toBe(200);
        await page.goto(`${backend.url}/server-page-check`);
        await page.setContent(await documentedMarkup(), { waitUntil: "load" });
        // The stylesheet applied: the card is a centred surface, not unstyled Times.
        const card = page.locator(".sp-card");
        expect(await card.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(255, 255, 255)");
        expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/Inter/);
        await expectPageOk(page, `server page (${name})`);
      },
      { viewport },
    );
  });
});
