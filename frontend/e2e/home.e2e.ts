import type { Browser } from "playwright-core";
import { afterAll, beforeAll, it } from "vitest";
import { launchBrowser, startBackend, withPage, type Backend } from "./harness";

let backend: Backend;
let browser: Browser;

beforeAll(async () => {
  backend = await startBackend();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

it("serves the Connect page at /", async ({ task }) => {
  await withPage(task.name, browser, backend, async (page) => {
    await page.goto(`${backend.url}/`);
    await page.getByRole("heading", { level: 1, name: "Connect Fieldsync to Jobber" }).waitFor();
    await page.getByRole("button", { name: "Connect to Jobber" }).waitFor();
  });
});

it("serves the SPA for client-side routes", async ({ task }) => {
  await withPage(task.name, browser, backend, async (page) => {
    await page.goto(`${backend.url}/denied`);
    await page.getByRole("heading", { level: 1, name: "Nothing was connected" }).waitFor();
  });
});
