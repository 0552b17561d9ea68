/**
 * The built SPA under the Content-Security-Policy of the backend contract (no inline styles or
 * scripts, nothing from another origin): every page, the tooltips, the lazily loaded Disconnect
 * dialog, without one CSP violation. When the server does not send the policy itself, the test
 * adds it to our documents, so the SPA is held to it either way.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enforceCsp, watchPage } from "./check";
import { launchBrowser, PHONE, startBackend, withPage, type Backend } from "./harness";
import { ACCOUNT, connect, waitForSync } from "./journeys";

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

it("runs every page and dialog without a CSP violation", async ({ task }) => {
  await withPage(
    task.name,
    browser,
    backend,
    async (page) => {
      const documents = await enforceCsp(page.context(), backend.url);
      const watch = watchPage(page, [backend.url, backend.sandboxUrl]);

      // Proves the policy is in force: an inline <style> is refused (in a page of its own, so
      // its report does not count against the SPA).
      const probePage = await page.context().newPage();
      await probePage.goto(`${backend.url}/`);
      await probePage.getByRole("button", { name: "Connect to Jobber" }).waitFor();
      const probe = await probePage.evaluate(() => {
        const style = document.createElement("style");
        style.textContent = "body { outline: 7px solid red }";
        document.head.append(style);
        const applied = getComputedStyle(document.body).outlineWidth === "7px";
        style.remove();
        return applied;
      });
      expect(probe, "an inline <style> applied: the CSP is not in force").toBe(false);
      await probePage.close();

      await page.goto(`${backend.url}/`);
      await page.getByRole("button", { name: "Connect to Jobber" }).waitFor();

      await connect(page, backend);
      await waitForSync(page);
      await page.getByRole("tab", { name: "Invoices" }).click();
      await page.getByRole("tabpanel", { name: "Invoices" }).getByText(/of \d+ invoices/).waitFor({ timeout: 30_000 });
      await page.locator("summary", { hasText: "Activity" }).click();
      await page.locator("summary", { hasText: "Details for support" }).click();
      await page.getByTestId("sync-summary").locator("time").first().focus();
      await page.getByRole("tooltip").waitFor();
      await page.getByRole("button", { name: "Disconnect", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
      for (const path of ["/denied", "/connect-error?reason=invalid_code", "/nope"]) {
        await page.goto(`${backend.url}${path}`);
        await page.getByRole("heading", { level: 1 }).waitFor();
      }
      expect(documents.served).toBeGreaterThan(0);
      watch.assertClean();
    },
    { viewport: PHONE },
  );
});
