/** A merchant's steps through Jobber's (the sandbox's) consent screen, shared by the browser tests. */
import type { Page } from "playwright-core";
import type { Backend } from "./harness";

export const ACCOUNT = "Green Thumb Landscaping";

export interface SandboxAccount {
  id: string;
  name: string;
  appConnected: boolean;
}

/** From our Connect page to the sandbox's consent screen, with the seeded account chosen. */
export async function startConnect(page: Page, backend: Backend, button = "Connect to Jobber") {
  await page.goto(`${backend.url}/`);
  await page.getByRole("button", { name: button }).click();
  // The backend redirects to the sandbox's consent screen (a full-page navigation).
  const account = page.locator('select[name="account"]');
  await account.waitFor();
  // Options read "<account name> (<admin user>)": pick ours by its value.
  const value = await account.locator("option", { hasText: ACCOUNT }).first().getAttribute("value");
  if (!value) throw new Error(`no consent option for ${ACCOUNT}`);
  await account.selectOption(value);
}

/** Connects and lands on the Manage page. */
export async function connect(page: Page, backend: Backend) {
  await startConnect(page, backend);
  await page.getByRole("button", { name: "Allow Access" }).click();
  await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
}

/** Waits until the freshness summary says the first sync finished. */
export async function waitForSync(page: Page) {
  await page.getByTestId("sync-summary").getByText("Up to date", { exact: true }).waitFor({ timeout: 60_000 });
}

export async function sandboxAccount(backend: Backend): Promise<SandboxAccount> {
  const response = await fetch(`${backend.sandboxUrl}/sandbox/accounts`);
  if (response.status !== 200) throw new Error(`sandbox accounts: HTTP ${response.status}`);
  const accounts = (await response.json()) as SandboxAccount[];
  const account = accounts.find((a) => a.name === ACCOUNT);
  if (!account) throw new Error(`sandbox has no account named ${ACCOUNT}: ${JSON.stringify(accounts)}`);
  return account;
}

/** Sets the sandbox's fault injection (see sandbox/README.md); `{}` clears it. */
export async function setFaults(backend: Backend, faults: Record<string, number>) {
  const response = await fetch(`${backend.sandboxUrl}/sandbox/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`PUT /sandbox/faults: HTTP ${response.status}`);
}
