/**
 * The README's screenshots: the Connect page and the Manage page after the first sync, on a
 * laptop (1280×800) and a phone (390×844), and the GraphQL playground (signed in, the Manage
 * page's query run, the docs open) on the laptop, into docs/screenshots/. Runs only when asked:
 *   npm run screenshots        (SCREENSHOTS=1 vitest … screenshots)
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { DESKTOP, launchBrowser, PHONE, REPO_ROOT, startBackend, withPage, type Backend } from "./harness";
import { openPlayground, run, selectTab } from "./graphiql";
import { ACCOUNT, connect, waitForSync } from "./journeys";

const OUT = path.join(REPO_ROOT, "docs", "screenshots");

describe.runIf(process.env.SCREENSHOTS)("README screenshots", () => {
  let browser: Browser;
  let backend: Backend;
  beforeAll(async () => {
    browser = await launchBrowser();
    backend = await startBackend();
  });
  afterAll(async () => {
    await backend?.stop();
    await browser?.close();
  });

  for (const [name, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`Connect and Manage, ${name}`, async ({ task }) => {
      await withPage(
        task.name,
        browser,
        backend,
        async (page) => {
          await page.goto(`${backend.url}/`);
          await page.getByRole("button", { name: "Connect to Jobber" }).waitFor();
          await page.evaluate(() => document.fonts.ready);
          await page.screenshot({ path: path.join(OUT, `connect-${name}.png`) });
          await connect(page, backend);
          await waitForSync(page);
          await page.getByRole("tabpanel", { name: "Clients" }).getByText(/of \d+ clients/).waitFor();
          await page.evaluate(() => document.fonts.ready);
          await page.screenshot({ path: path.join(OUT, `manage-${name}.png`), fullPage: true });
        },
        { viewport },
      );
    });
  }

  it("GraphQL playground, desktop", async ({ task }) => {
    await withPage(
      task.name,
      browser,
      backend,
      async (page) => {
        await connect(page, backend);
        await openPlayground(page, backend);
        await selectTab(page, "ManageConnection");
        await run(page, `"name": "${ACCOUNT}"`);
        await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
        const docs = page.locator(".graphiql-doc-explorer");
        await docs.locator("a", { hasText: /^Query$/ }).click();
        await docs.getByText("Facts about this deployment.").waitFor();
        await page.evaluate(() => document.fonts.ready);
        await page.screenshot({ path: path.join(OUT, "playground.png") });
      },
      { viewport: DESKTOP },
    );
  });
});
