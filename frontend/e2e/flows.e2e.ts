/**
 * The merchant's journeys against the real backend and its embedded Jobber sandbox.
 * Each test gets its own backend (fresh database and sandbox) and a cookie-less browser context.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, pollUntil, startBackend, withPage, type Backend } from "./harness";

const ACCOUNT = "Green Thumb Landscaping";
const MARKETPLACE_DISCONNECT = "Disconnect app (Marketplace)";

interface SandboxAccount {
  id: string;
  name: string;
  appConnected: boolean;
}

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

/** From our Connect page to the sandbox's consent screen, with the seeded account chosen. */
async function startConnect(page: Page) {
  await page.goto(`${backend.url}/`);
  await page.getByRole("button", { name: "Connect to Jobber" }).click();
  // The backend redirects to the sandbox's consent screen (a full-page navigation).
  const account = page.locator('select[name="account"]');
  await account.waitFor();
  // Options read "<account name> (<admin user>)": pick ours by its value.
  const value = await account
    .locator("option", { hasText: ACCOUNT })
    .first()
    .getAttribute("value");
  if (!value) throw new Error(`no consent option for ${ACCOUNT}`);
  await account.selectOption(value);
}

async function connect(page: Page) {
  await startConnect(page);
  await page.getByRole("button", { name: "Allow Access" }).click();
  await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
}

async function sandboxAccount(): Promise<SandboxAccount> {
  const response = await fetch(`${backend.sandboxUrl}/sandbox/accounts`);
  expect(response.status).toBe(200);
  const accounts = (await response.json()) as SandboxAccount[];
  const account = accounts.find((a) => a.name === ACCOUNT);
  if (!account) throw new Error(`sandbox has no account named ${ACCOUNT}: ${JSON.stringify(accounts)}`);
  return account;
}

describe("connecting and disconnecting", () => {
  it("connects through Jobber's consent screen and shows the Manage page", async ({ task }) => {
    await withPage(task.name, browser, backend, async (page) => {
      await connect(page);
      expect(new URL(page.url()).pathname).toBe("/manage");
      await page.getByText("Activity", { exact: true }).waitFor();
    });
  });

  it("explains that nothing was connected when the merchant denies access", async ({ task }) => {
    await withPage(task.name, browser, backend, async (page) => {
      await startConnect(page);
      await page.getByRole("button", { name: "Deny" }).click();
      await page.getByText("Nothing was connected").waitFor();
      expect(page.url().startsWith(backend.url)).toBe(true);
    });
  });

  it("disconnects from the Manage page and tells Jobber", async ({ task }) => {
    await withPage(task.name, browser, backend, async (page) => {
      await connect(page);
      expect((await sandboxAccount()).appConnected).toBe(true);

      await page.getByRole("button", { name: "Disconnect", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText("Disconnect from Jobber?").waitFor();
      await dialog.getByRole("button", { name: "Disconnect", exact: true }).click();

      await page.getByRole("button", { name: "Connect again" }).waitFor();
      await page.getByText("Disconnected from Jobber").first().waitFor();
      await pollUntil("the sandbox to show the account disconnected", async () =>
        (await sandboxAccount()).appConnected ? undefined : true,
      );
    });
  });

  it("notices a disconnect made in Jobber's App Marketplace", async ({ task }) => {
    await withPage(task.name, browser, backend, async (page, { isolatedPage }) => {
      await connect(page);

      const dashboard = await isolatedPage();
      await dashboard.goto(`${backend.sandboxUrl}/sandbox`);
      const buttons = dashboard.getByRole("button", { name: MARKETPLACE_DISCONNECT });
      await buttons.first().waitFor();
      // With several accounts listed, pick the button inside the innermost block naming ours.
      const button =
        (await buttons.count()) === 1
          ? buttons
          : dashboard
              .locator(
                `xpath=//*[contains(normalize-space(.), "${ACCOUNT}")][.//*[self::button or self::input][contains(normalize-space(.), "${MARKETPLACE_DISCONNECT}") or @value="${MARKETPLACE_DISCONNECT}"]]`,
              )
              .last()
              .getByRole("button", { name: MARKETPLACE_DISCONNECT });
      await button.click();

      // The SPA polls every 3 s; give the webhook and a couple of polls time to land.
      await page.getByText("Disconnected from Jobber").first().waitFor({ timeout: 20_000 });
      await page.getByRole("button", { name: "Connect again" }).waitFor();
    });
  });
});
