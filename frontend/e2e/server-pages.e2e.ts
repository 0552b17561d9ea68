/**
 * The pages the backend renders itself (backend/src/http/pages.rs), loaded from the real backend
 * at a phone's and a laptop's size: a forged or stale OAuth callback, an expired confirmation,
 * the "continue as …?" confirmation of a stateless arrival while signed in to another account,
 * and the 429 page of too many sign-in attempts. Each must be what frontend/SERVER_PAGES.md
 * documents (`lang`, a header linking home, `main` with one card labelled by its `h1`, a footer),
 * styled by /server-pages.css (loaded; no serif fallback), fit the screen, be axe clean, load
 * nothing from another origin and run under the app's Content-Security-Policy (sent by the server).
 *
 * Also the documented markup itself (read from SERVER_PAGES.md), with the optional parts render
 * does not use (the problem line, the quieter line, the Sandbox badge).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTRACT_CSP, expectPageOk, watchPage } from "./check";
import { DESKTOP, launchBrowser, PHONE, REPO_ROOT, startBackend, withPage, type Backend, type Viewport } from "./harness";
import { ACCOUNT, connect } from "./journeys";

let browser: Browser;
let backend: Backend;
/** A backend that allows one OAuth code exchange per minute per address (for the 429 page). */
let limited: Backend;
/** The backend's version (`appInfo.version`), which the pages' footer shows. */
let version: string;

beforeAll(async () => {
  browser = await launchBrowser();
  [backend, limited] = await Promise.all([
    startBackend(),
    startBackend({ env: { OAUTH_EXCHANGE_BURST: "1", OAUTH_EXCHANGES_PER_MINUTE: "1" } }),
  ]);
  const info = await fetch(`${backend.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ appInfo { version } }" }),
  });
  version = ((await info.json()) as { data: { appInfo: { version: string } } }).data.appInfo.version;
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([backend?.stop(), limited?.stop()]);
});

/** The fonts Chromium really drew the text of `selector` with (not the CSS font-family list). */
async function renderedFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send("DOM.enable");
    await cdp.send("CSS.enable");
    const { root } = await cdp.send("DOM.getDocument", {});
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    return fonts.map((font) => font.familyName);
  } finally {
    await cdp.detach();
  }
}

interface Expected {
  status: number;
  /** The page's <title> before " · Fieldsync". */
  title: string;
  heading: string | RegExp;
  where: string;
}

/** Everything a server-rendered page must be, checked on the page `response` loaded. */
async function expectServerPage(page: Page, response: Response | null, expected: Expected) {
  const { where } = expected;
  expect(response, `${where}: no document response`).not.toBeNull();
  expect(response?.status(), `${where}: status`).toBe(expected.status);
  expect(response?.headers()["content-type"], `${where}: content type`).toMatch(/^text\/html/);
  expect(response?.headers()["content-security-policy"], `${where}: the app's CSP`).toBe(CONTRACT_CSP);
  expect(response?.headers()["cache-control"], `${where}: never cached`).toBe("no-store");

  // The documented structure: lang, a header linking home, the card labelled by its h1, a footer.
  expect(await page.title(), `${where}: title`).toBe(`${expected.title} · Fieldsync`);
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
  const home = page.getByRole("banner").getByRole("link", { name: "Fieldsync" });
  expect(await home.getAttribute("href"), `${where}: the header links home`).toBe("/");
  const headings = page.getByRole("heading", { level: 1 });
  expect(await headings.count(), `${where}: one h1`).toBe(1);
  const heading = (await headings.innerText()).trim();
  if (typeof expected.heading === "string") expect(heading).toBe(expected.heading);
  else expect(heading).toMatch(expected.heading);
  // The card is a region named by the h1, inside main.
  await page.getByRole("main").getByRole("region", { name: heading }).waitFor();
  expect((await page.getByRole("contentinfo").innerText()).trim()).toBe(`Fieldsync ${version}`);

  // Styled: the stylesheet and the logo loaded, the card is a white surface on Atlantis' page
  // colour, and the text is not drawn in the browser's serif default (Times New Roman).
  const sheet = await page.evaluate(() =>
    Array.from(document.styleSheets).map((s) => ({ href: s.href ?? "", rules: s.cssRules.length })),
  );
  expect(sheet, `${where}: stylesheets`).toEqual([{ href: `${new URL(page.url()).origin}/server-pages.css`, rules: expect.any(Number) }]);
  expect(sheet[0]?.rules, `${where}: /server-pages.css has rules`).toBeGreaterThan(10);
  expect(await page.locator(".sp-header img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  expect(await page.locator(".sp-card").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(255, 255, 255)");
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");
  const fonts = [...(await renderedFonts(page, "h1")), ...(await renderedFonts(page, ".sp-card p"))];
  expect(fonts.length, `${where}: fonts drawn`).toBeGreaterThan(0);
  expect(fonts.filter((family) => /times|\bserif\b/i.test(family) && !/sans/i.test(family)), `${where}: serif fallback`).toEqual([]);

  await expectPageOk(page, where);
}

/** Submits a form the page builds itself (a same-origin POST, as a page's own button would). */
async function postForm(page: Page, action: string, fields: Record<string, string>): Promise<Response | null> {
  const [response] = await Promise.all([
    page.waitForEvent("response", (r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === action),
    page.evaluate(
      ({ action, fields }) => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = action;
        for (const [name, value] of Object.entries(fields)) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
  await page.waitForURL((url) => url.pathname === action, { waitUntil: "load" });
  return response;
}

/** Jobber's consent URL for our app with no `state`: what Marketplace Connect starts from. */
async function statelessAuthorizeUrl(): Promise<string> {
  const start = await fetch(`${backend.url}/auth/jobber`, { redirect: "manual" });
  expect(start.status).toBeGreaterThanOrEqual(300);
  const url = new URL(start.headers.get("location") ?? "");
  url.searchParams.delete("state");
  return url.toString();
}

describe.each([
  ["phone", PHONE],
  ["desktop", DESKTOP],
] as Array<[string, Viewport]>)("server-rendered pages on a %s", (screen, viewport) => {
  const run = (name: string, server: () => Backend, body: (page: Page) => Promise<void>) =>
    it(name, async ({ task }) => {
      await withPage(
        `${screen}-${task.name}`,
        browser,
        server(),
        async (page) => {
          const watch = watchPage(page, [server().url, server().sandboxUrl]);
          await body(page);
          watch.assertClean();
        },
        { viewport },
      );
    });

  run("a forged OAuth callback, then an expired confirmation", () => backend, async (page) => {
    const forged = await page.goto(`${backend.url}/auth/jobber/callback?code=abc&state=forged`);
    await expectServerPage(page, forged, {
      status: 400,
      title: "Connection not completed",
      heading: "We couldn't verify this sign-in",
      where: `forged callback (${screen})`,
    });
    expect(await page.getByRole("link", { name: "Start again" }).getAttribute("href")).toBe("/auth/jobber");

    const expired = await postForm(page, "/auth/jobber/confirm", { token: "no-such-token", decision: "continue" });
    await expectServerPage(page, expired, {
      status: 400,
      title: "Confirmation expired",
      heading: "This confirmation has expired",
      where: `expired confirmation (${screen})`,
    });
  });

  run("continue as another account? (a stateless arrival while signed in)", () => backend, async (page) => {
    await connect(page, backend);
    const accounts = (await (await fetch(`${backend.sandboxUrl}/sandbox/accounts`)).json()) as Array<{ id: string; name: string }>;
    const other = accounts.find((a) => a.name !== ACCOUNT);
    if (!other) throw new Error(`the sandbox has no account besides ${ACCOUNT}`);

    // Marketplace Connect for the other account: Jobber's consent, then our callback with no state.
    await page.goto(await statelessAuthorizeUrl());
    await page.locator('select[name="account"]').selectOption(other.id);
    const [arrival] = await Promise.all([
      page.waitForEvent("response", (r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === "/auth/jobber/callback"),
      page.getByRole("button", { name: "Allow Access" }).click(),
    ]);
    await page.waitForLoadState("load");
    await expectServerPage(page, arrival, {
      status: 200,
      title: "Confirm the account",
      heading: `Continue as ${other.name}?`,
      where: `confirmation (${screen})`,
    });
    expect(arrival.headers()["x-frame-options"]).toBe("DENY");
    await page.getByText(`You are signed in to ${ACCOUNT} in this browser.`, { exact: false }).waitFor();

    // Cancel keeps the browser as it was.
    await page.getByRole("button", { name: "Cancel and stay signed in" }).click();
    await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
  });

  run("too many sign-in attempts (429)", () => limited, async (page) => {
    // The one exchange a minute allows (a code the sandbox never issued: it fails, but counts).
    await fetch(`${limited.url}/auth/jobber/callback?code=never-issued-1`, { redirect: "manual" });
    const limitedPage = await page.goto(`${limited.url}/auth/jobber/callback?code=never-issued-2`);
    expect(limitedPage?.headers()["retry-after"]).toBe("60");
    await expectServerPage(page, limitedPage, {
      status: 429,
      title: "Too many attempts",
      heading: "Too many sign-in attempts",
      where: `429 (${screen})`,
    });
  });
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
] as const)("the documented server-page markup on a %s", (name, viewport) => {
  it("is styled by /server-pages.css and accessible, with every optional part", async ({ task }) => {
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
        for (const part of [".sp-notice", ".sp-subdued", ".sp-badge"]) expect(await page.locator(part).count()).toBe(1);
        await expectPageOk(page, `server page (${name})`);
      },
      { viewport },
    );
  });
});
