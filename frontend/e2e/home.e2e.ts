import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
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

// Browsers ask for /favicon.ico on their own (bookmarks, tabs, pages without a <link rel="icon">).
it("serves /favicon.ico as an icon", async () => {
  const response = await fetch(`${backend.url}/favicon.ico`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)$/);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // An ICO file: reserved 0, type 1 (icon), at least one image.
  expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 1, 0]);
  expect(bytes[4]! + bytes[5]! * 256).toBeGreaterThan(0);
});
