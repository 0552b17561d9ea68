/**
 * The operator console (issue 15) in a real browser, against the real backend's admin listener
 * (its own port, ADMIN_TOKEN set) and the embedded Jobber sandbox: a merchant connects; the
 * operator signs in (a wrong token first), finds the install, syncs it, redrives a dead letter and
 * disconnects it, and the sandbox sees Jobber's `appDisconnect`. Every console page: no overflow,
 * axe clean, no request to another origin, no CSP violation. With SCREENSHOTS=1 it also saves
 * docs/screenshots/admin-installs.png and admin-install.png.
 *
 * The dead letter is made the simplest real way: the sandbox sends a signed CLIENT_CREATE webhook,
 * the backend processes it, and the test marks that event DEAD in the SQLite database (what
 * MAX_ATTEMPTS failures would do, without waiting for eight backoffs).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTRACT_CSP, enforceCsp, expectPageOk, watchPage } from "./check";
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  pollUntil,
  randomToken,
  REPO_ROOT,
  startBackend,
  withPage,
  type Backend,
} from "./harness";
import { ACCOUNT, connect, sandboxAccount, waitForSync } from "./journeys";

const TOKEN = randomToken(40);
const SCREENSHOTS = path.join(REPO_ROOT, "docs", "screenshots");

let browser: Browser;
let backend: Backend;

beforeAll(async () => {
  browser = await launchBrowser();
  backend = await startBackend({ admin: { token: TOKEN } });
});
afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

/** Runs SQL on the backend's SQLite file (waiting for its locks) and returns the output lines. */
async function sql(statement: string): Promise<string[]> {
  if (!backend.sqlitePath) throw new Error("this test needs the harness' SQLite database");
  const { stdout } = await promisify(execFile)("sqlite3", ["-cmd", ".timeout 10000", backend.sqlitePath, statement]);
  return stdout.split("\n").filter(Boolean);
}

/** A webhook event of the account that Jobber (the sandbox) really sent, turned into a dead letter. */
async function makeDeadLetter(accountId: string): Promise<void> {
  const created = await fetch(`${backend.sandboxUrl}/sandbox/accounts/${accountId}/clients`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ firstName: "Ada", lastName: "Deadletter" }),
  });
  expect(created.status, "sandbox: create a client").toBe(201);
  const id = await pollUntil(
    "the backend to settle the sandbox's CLIENT_CREATE webhook",
    async () =>
      (
        await sql(
          `SELECT id FROM webhook_events WHERE jobber_account_id = '${accountId}' AND topic = 'CLIENT_CREATE' ` +
            `AND status IN ('PROCESSED', 'IGNORED') ORDER BY id DESC LIMIT 1`,
        )
      )[0],
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  await sql(
    `UPDATE webhook_events SET status = 'DEAD', attempts = 8, processed_at = NULL, ` +
      `last_error = 'Gave up after 8 attempts (made by the browser test)' WHERE id = ${Number(id)}`,
  );
}

async function signIn(page: Page, token: string) {
  const field = page.getByLabel("Admin token");
  await field.fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Clicks an action, checks its confirmation dialog and confirms; returns the server's message. */
async function act(page: Page, button: string, dialogText: RegExp, confirmLabel: string): Promise<string> {
  const actions = page.getByTestId("install-actions");
  await actions.getByRole("button", { name: button, exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText(dialogText).first().waitFor();
  await dialog.getByRole("button", { name: confirmLabel, exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  // A success Banner is a status, a failure an alert.
  const outcome = actions.getByTestId("action-outcome").locator('[role="status"], [role="alert"]').first();
  await outcome.waitFor();
  const message = (await outcome.innerText()).trim();
  expect(message, `${button}: the server's message`).not.toMatch(/^That didn't work/);
  return message;
}

async function screenshot(page: Page, name: string) {
  if (!process.env.SCREENSHOTS) return;
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

describe("Operator console", () => {
  it("is served by the admin listener with the app's CSP, and not by the public one", async () => {
    const served = await fetch(`${backend.adminUrl}/admin`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toMatch(/^text\/html/);
    expect(served.headers.get("content-security-policy")).toBe(CONTRACT_CSP);
    expect(await served.text()).toContain("Fieldsync operator console");
    const deep = await fetch(`${backend.adminUrl}/admin/installs/anything`);
    expect(deep.status).toBe(200);
    expect((await fetch(`${backend.url}/admin/session`)).status).toBe(404);
    expect((await fetch(`${backend.adminUrl}/admin/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
  });

  it("signs in, lists the install, syncs it, redrives its dead letter and disconnects it", async ({ task }) => {
    await withPage(
      task.name,
      browser,
      backend,
      async (merchant, { isolatedPage }) => {
        // A merchant connects through Jobber's (the sandbox's) consent screen.
        await connect(merchant, backend);
        await waitForSync(merchant);
        const account = await sandboxAccount(backend);
        await makeDeadLetter(account.id);

        // The operator, in a browser of their own.
        const page = await isolatedPage();
        const documents = await enforceCsp(page.context(), backend.adminUrl);
        const watch = watchPage(page, [backend.adminUrl]);
        await page.goto(`${backend.adminUrl}/admin`);
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        await expectPageOk(page, "sign-in");

        await signIn(page, "not-the-token-0123456789-abcdefghijklmnop");
        await page.getByRole("alert").getByText(/ADMIN_TOKEN/).waitFor();
        expect(await page.getByLabel("Admin token").inputValue()).toBe("");
        await signIn(page, TOKEN);

        // Installs: fleet health and the merchant's install with its dead letter.
        await page.getByRole("heading", { level: 1, name: "Installs" }).waitFor();
        await page.getByTestId("fleet-health").waitFor();
        const row = page.getByTestId(`install-${account.id}`);
        await row.getByRole("link", { name: ACCOUNT }).waitFor();
        await row.getByText("Connected", { exact: true }).waitFor();
        await row.getByText("1 dead").waitFor();
        await row.getByText("Dead letters").waitFor();
        await expectPageOk(page, "installs");
        await screenshot(page, "admin-installs.png");

        // Search and filter narrow the list to it.
        await page.getByLabel("Search by name or Jobber account id").fill(account.id);
        await page.getByText("1–1 of 1 install").waitFor();
        await page.getByLabel("Status", { exact: true }).selectOption("DISCONNECTED");
        await page.getByText("No installs match this search and filter.").waitFor();
        await page.getByLabel("Status", { exact: true }).selectOption("CONNECTED");
        await row.getByRole("link", { name: ACCOUNT }).click();

        // One install.
        await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
        const timeline = page.getByTestId("install-timeline");
        await timeline.locator('[data-kind="CONNECTED"][data-actor="MERCHANT"]').waitFor();
        await page.getByTestId("install-events").getByText("Dead letter", { exact: true }).waitFor();
        await expectPageOk(page, "install");

        const synced = await act(page, "Sync now", /Sync .* now\?/, "Sync now");
        expect(synced.length).toBeGreaterThan(0);
        await timeline.locator('[data-kind="SYNC_REQUESTED"][data-actor="OPERATOR"]').first().waitFor();

        const redriven = await act(page, "Redrive dead letters", /Redrive 1 dead letter\?/, "Redrive");
        expect(redriven.length).toBeGreaterThan(0);
        await timeline.locator('[data-kind="REDRIVEN"][data-actor="OPERATOR"]').waitFor();
        const redrive = page.getByTestId("install-actions").getByRole("button", { name: "Redrive dead letters" });
        await expect.poll(() => redrive.isDisabled(), { timeout: 15_000 }).toBe(true);
        await pollUntil("the redriven event to be processed again", async () =>
          (await sql(`SELECT COUNT(*) FROM webhook_events WHERE status = 'DEAD'`))[0] === "0" ? true : undefined,
        );
        await screenshot(page, "admin-install.png");

        const disconnected = await act(page, "Disconnect", /appDisconnect/, "Disconnect");
        expect(disconnected.length).toBeGreaterThan(0);
        await page.getByRole("heading", { level: 1, name: ACCOUNT }).waitFor();
        await page.locator(".page-title").getByText("Disconnected", { exact: true }).waitFor();
        await timeline.locator('[data-kind="DISCONNECTED"][data-actor="OPERATOR"]').waitFor();
        await pollUntil("the sandbox to count the operator's appDisconnect", async () => {
          const stats = (await (await fetch(`${backend.sandboxUrl}/sandbox/stats`)).json()) as {
            appDisconnectCalls: Record<string, number>;
          };
          return (stats.appDisconnectCalls[account.id] ?? 0) >= 1 ? true : undefined;
        });
        expect((await sandboxAccount(backend)).appConnected).toBe(false);

        // The audit log has it all, newest first, and filters by account.
        await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" }).click();
        await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
        const first = page.getByTestId("audit-entry").first();
        await expect.poll(() => first.getAttribute("data-kind")).toBe("DISCONNECTED");
        await page.getByLabel("Filter by Jobber account id").fill(account.id);
        await page.locator('[data-testid="audit-entry"][data-kind="CONNECTED"]').waitFor();
        await expectPageOk(page, "audit log");

        // The same pages on a phone: nothing wider than the screen.
        await page.setViewportSize(PHONE);
        for (const [route, loaded] of [
          ["/admin", row],
          [`/admin/installs/${account.id}`, timeline.getByTestId("audit-entry").first()],
          ["/admin/audit", page.getByTestId("audit-entry").first()],
        ] as const) {
          await page.goto(`${backend.adminUrl}${route}`);
          await loaded.waitFor();
          await expectPageOk(page, `${route} on a phone`);
        }

        // Sign out: the next page asks for the token again.
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.getByText("You signed out.").waitFor();
        await page.goto(`${backend.adminUrl}/admin`);
        await page.getByRole("heading", { name: "Sign in" }).waitFor();

        expect(documents.served).toBeGreaterThan(0);
        watch.assertClean();
      },
      { viewport: DESKTOP },
    );
  });
});
