/**
 * The GraphQL playground at GET /graphql: GraphiQL built and served by the app itself, under the
 * backend contract's Content-Security-Policy, with nothing from another origin. Signed out it
 * shows the docs and answers `appInfo`; signed in through the sandbox it runs the SPA's own
 * operations (example tabs), with variables, and a subscription over /graphql/ws.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { animationsSettled, enforceCsp, expectAccessible, expectNoHorizontalOverflow, watchPage } from "./check";
import { openPlayground, run, selectTab } from "./graphiql";
import { launchBrowser, startBackend, withPage, type Backend } from "./harness";
import { ACCOUNT, connect } from "./journeys";

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

/** The playground page must not point at another origin (the old one loaded GraphiQL from unpkg). */
it("serves a playground page that references nothing on another origin", async () => {
  const response = await fetch(`${backend.url}/graphql`, { headers: { accept: "text/html" } });
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain('<div id="root"></div>');
  expect(html.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\/[^"' >]*/gi) ?? []).toEqual([]);
});

it("shows the editor and the docs, and runs appInfo, offline and under the CSP", async ({ task }) => {
  await withPage(task.name, browser, backend, async (page) => {
    const documents = await enforceCsp(page.context(), backend.url);
    // Only our origin: no CDN, no font service, no favicon from elsewhere.
    const watch = watchPage(page, [backend.url]);

    await openPlayground(page, backend);
    const bar = page.locator(".playground-bar__session");
    await bar.getByText("Not signed in").waitFor();
    expect(await bar.getByRole("link", { name: "Connect through the sandbox" }).getAttribute("href")).toBe("/auth/jobber");

    // The start-here tab answers without a session.
    const answer = await run(page, '"appName": "Fieldsync"');
    expect(answer).toContain('"connection": null');

    // The docs explorer, from our SDL's descriptions.
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs.getByText("Root Types").waitFor();
    await docs.locator("a", { hasText: /^Query$/ }).click();
    await docs.getByText("Facts about this deployment.").waitFor();

    // History keeps what ran.
    await page.getByRole("button", { name: "Show History" }).click();
    await page.locator(".graphiql-history").getByText("StartHere").waitFor();

    // The headers pane is there too.
    await page.getByRole("button", { name: "Headers", exact: true }).click();
    await page.locator(".graphiql-editor-tool .graphiql-editor").last().waitFor();

    // Radix locks scrolling while a dialog is open; its styles must get in without an inline <style>.
    await page.getByRole("button", { name: "Open settings dialog" }).click();
    await page.getByRole("dialog").getByText("Persist headers").waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).overflow)).toBe("hidden");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });

    await page.evaluate(() => document.fonts.ready);
    await animationsSettled(page);
    await expectNoHorizontalOverflow(page, "the playground");
    // Our part of the page. GraphiQL's own markup has axe findings we do not patch (upstream:
    // tabs nest their close buttons, a label-less read-only textarea in the response editor,
    // the history items' names, a scrollable pane without keyboard focus, the syntax colours'
    // contrast).
    await expectAccessible(page, "the playground's session bar", ".playground-bar");
    expect(documents.served).toBeGreaterThan(0);
    watch.assertClean();

    // Last (its refusal is reported on the console): the policy was in force all along.
    const inlineStyleApplied = await page.evaluate(() => {
      const style = document.createElement("style");
      style.textContent = "body { outline: 7px solid red }";
      document.head.append(style);
      const applied = getComputedStyle(document.body).outlineWidth === "7px";
      style.remove();
      return applied;
    });
    expect(inlineStyleApplied, "an inline <style> applied: the CSP is not in force").toBe(false);
  });
});

it("runs the SPA's operations and a subscription for the signed-in account", async ({ task }) => {
  await withPage(task.name, browser, backend, async (page) => {
    const documents = await enforceCsp(page.context(), backend.url);
    await connect(page, backend);

    const watch = watchPage(page, [backend.url]);
    const sockets: string[] = [];
    page.on("websocket", (socket) => sockets.push(socket.url()));
    await openPlayground(page, backend);
    await page.locator(".playground-bar__session").getByText(`Signed in to ${ACCOUNT}`).waitFor();

    // The start-here query: `connection` is the signed-in account.
    await run(page, `"name": "${ACCOUNT}"`);

    // Exactly what the Manage page runs (its query with the fragment it spreads).
    await selectTab(page, "ManageConnection");
    const manage = await run(page, `"name": "${ACCOUNT}"`);
    expect(manage).toContain('"status": "CONNECTED"');

    // One with variables, prefilled in the variables pane.
    await selectTab(page, "SyncedClients");
    await run(page, /"totalCount": \d+/);

    // The live sync progress over graphql-transport-ws: its first message comes at once.
    await selectTab(page, "SyncProgress");
    const progress = await run(page, /"syncProgress": \[\s*\{\s*"resource"/);
    expect(progress).not.toContain('"errors"');
    await page.getByRole("button", { name: "Stop query (Ctrl-Enter)" }).click();
    await page.getByRole("button", { name: "Execute query (Ctrl-Enter)" }).waitFor();
    expect(sockets).toEqual([`${backend.url.replace("http:", "ws:")}/graphql/ws`]);
    expect(documents.served).toBeGreaterThan(0);
    watch.assertClean();
  });
});
