/**
 * Issue 6 in a real browser: connect → every resource's progress reaches done → the client list
 * shows the sandbox's seeded names → search narrows it.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, startBackend, withPage, type Backend } from "./harness";

const ACCOUNT = "Green Thumb Landscaping";
const RESOURCES = ["CLIENTS", "PROPERTIES", "JOBS", "QUOTES", "INVOICES"];

let browser: Browser;
let backend: Backend;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  backend = await startBackend();
});
afterEach(async () => {
  await backend?.stop();
});

async function connect(page: Page) {
  await page.goto(`${backend.url}/`);
  await page.getByRole("button", { name: "Connect to Jobber" }).click();
  const account = page.locator('select[name="account"]');
  await account.waitFor();
  const value = await account.locator("option", { hasText: ACCOUNT }).first().getAttribute("value");
  if (!value) throw new Error(`no consent option for ${ACCOUNT}`);
  await account.selectOption(value);
  await page.getByRole("button", { name: "Allow Access" }).click();
  await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
}

describe("Sync", () => {
  it("shows progress to done, then the seeded clients, and search narrows them", async ({ task }) => {
    await withPage(task.name, browser, backend, async (page) => {
      await connect(page);
      for (const resource of RESOURCES) {
        await page
          .getByTestId(`sync-${resource}`)
          .getByText("Up to date")
          .waitFor({ timeout: 30_000 });
      }
      // At rest: counts, and no progress bars.
      await page.getByTestId("sync-CLIENTS").getByText("25 clients").waitFor();
      expect(await page.getByRole("progressbar").count()).toBe(0);

      // The client list: the names the sandbox seeded, as Jobber's API reports them.
      const rows = page.getByRole("row");
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(5);
      await page.getByText("1–20 of 25 clients").waitFor();
      const firstName = (await rows.nth(1).locator("div, td").first().innerText()).trim();
      expect(firstName.length).toBeGreaterThan(0);

      await page.getByLabel("Search clients").fill(firstName);
      await expect
        .poll(async () => (await page.getByText(/of \d+ clients/).innerText()).match(/of (\d+) clients/)?.[1])
        .not.toBe("25");
      const shown = await page.getByText(/of \d+ clients/).innerText();
      expect(Number(shown.match(/of (\d+) clients/)?.[1])).toBeGreaterThanOrEqual(1);
      await expect.poll(() => page.getByRole("row").nth(1).innerText()).toContain(firstName);
    });
  });
});
