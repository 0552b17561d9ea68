// Page-load benchmark (issue 12): how the Connect and Manage pages load on a slow mobile network.
//
//   npm run bench:load                       # release server: $JOBBER_APP_BIN, else /work/bin/jobber-app-release, else target/release
//   JOBBER_APP_BIN=target/debug/jobber-app npm run bench:load
//   BENCH_RUNS=5 npm run bench:load          # median of 5 (default 3)
//
// Starts the server with a fresh SQLite database and its embedded Jobber sandbox, connects the
// sandbox account over HTTP (the same OAuth redirects a browser follows), waits for the first
// sync, then drives Debian's Chromium with network throttling through CDP
// (Network.emulateNetworkConditions: 1.6 Mbps down, 750 kbps up, 150 ms RTT) and prints, per page:
// bytes on the wire (JS, CSS, fonts, other, total), time to first contentful paint, and time until
// the page's content is rendered (Manage: the synced records), cold (empty cache) and warm (the
// same browser again), beside a bare static file served by the same server in the same run.
// Goals: Connect <= 150 KB on the wire, Manage <= 350 KB; Manage rendered <= 3.0 s cold, <= 1.0 s warm.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SPA_DIR = path.join(REPO, "frontend", "dist");
const ACCOUNT = "Green Thumb Landscaping";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Chrome DevTools' throughput is in bytes per second; latency is the added round-trip time. */
const NETWORK = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 };
const GOALS = { connectBytes: 150 * 1024, manageBytes: 350 * 1024, manageCold: 3000, manageWarm: 1000 };

function binary() {
  if (process.env.JOBBER_APP_BIN) return path.resolve(process.env.JOBBER_APP_BIN);
  if (existsSync("/work/bin/jobber-app-release")) return "/work/bin/jobber-app-release";
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, "target");
  return path.join(target, "release", "jobber-app");
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function poll(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startServer() {
  const bin = binary();
  if (!existsSync(bin)) throw new Error(`no server binary at ${bin}: build it (cargo build --release -p jobber-app) or set JOBBER_APP_BIN`);
  if (!existsSync(path.join(SPA_DIR, "index.html"))) throw new Error(`no built SPA in ${SPA_DIR}: run npm run build`);
  const dir = await mkdtemp(path.join(tmpdir(), "fieldsync-bench-load-"));
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/app.db?mode=rwc`,
    DATA_DIR: dir,
    BIND_ADDR: `127.0.0.1:${port}`,
    APP_BASE_URL: url,
    SANDBOX_BIND_ADDR: `127.0.0.1:${sandboxPort}`,
    SPA_DIR,
    APP_ENV: "development",
    LOG_FORMAT: "json",
    RUST_LOG: "warn",
  };
  for (const name of ["JOBBER_CLIENT_ID", "JOBBER_CLIENT_SECRET", "JOBBER_CLIENT_SECRET_PREVIOUS"]) delete env[name];
  const child = spawn(bin, ["serve"], { env, cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  let exited = false;
  child.once("exit", () => (exited = true));
  await poll("the server to be ready", async () => {
    if (exited) throw new Error("server exited");
    return (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
  }, 30_000);
  return {
    url,
    bin,
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A tiny cookie jar for the OAuth redirects. */
class Jar {
  cookies = new Map();
  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Connect → the sandbox's consent form → Allow → our callback: returns the session cookies. */
async function connectOverHttp(baseUrl) {
  const jar = new Jar();
  const start = await fetch(`${baseUrl}/auth/jobber`, { redirect: "manual" });
  jar.take(start);
  const authorize = start.headers.get("location");
  if (!authorize) throw new Error(`/auth/jobber did not redirect (HTTP ${start.status})`);
  const form = await (await fetch(authorize)).text();
  const fields = Object.fromEntries(
    [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replaceAll("&amp;", "&")]),
  );
  const account = new RegExp(`<option value="([^"]+)">${ACCOUNT}`).exec(form)?.[1];
  if (!account) throw new Error("the consent form has no option for the sandbox account");
  const consent = await fetch(authorize, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, account, decision: "allow" }),
  });
  const callback = consent.headers.get("location");
  if (!callback) throw new Error(`the consent form did not redirect (HTTP ${consent.status})`);
  const done = await fetch(callback, { redirect: "manual", headers: { cookie: jar.header() } });
  jar.take(done);
  if (done.status >= 400) throw new Error(`the OAuth callback failed (HTTP ${done.status})`);
  return jar;
}

async function graphql(baseUrl, jar, query) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: jar.header() },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

async function waitForFirstSync(baseUrl, jar) {
  return poll("the first sync", async () => {
    const { data } = await graphql(baseUrl, jar, "{ syncStatus { state count } }");
    const statuses = data?.syncStatus ?? [];
    return statuses.length > 0 && statuses.every((s) => s.state === "DONE")
      ? statuses.reduce((n, s) => n + s.count, 0)
      : undefined;
  });
}

const KIND = { Script: "js", Stylesheet: "css", Font: "fonts" };

/**
 * Loads `url` in `page` under throttling and measures it. `ready` is a CSS selector for "the
 * content is rendered" (null: the load event).
 */
async function measure(page, cdp, url, ready) {
  const sizes = new Map();
  const kinds = new Map();
  const onResponse = (e) => kinds.set(e.requestId, KIND[e.type] ?? "other");
  const onFinished = (e) => sizes.set(e.requestId, e.encodedDataLength);
  // Served from the browser's cache: nothing on the wire.
  const onCached = (e) => sizes.set(e.requestId, 0);
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.loadingFinished", onFinished);
  cdp.on("Network.requestServedFromCache", onCached);
  const started = Date.now();
  await page.goto(url, { waitUntil: ready ? "commit" : "load" });
  if (ready) await page.waitForSelector(ready, { timeout: 60_000 });
  const rendered = await page.evaluate(() => performance.now());
  // Let late requests (fonts, lazy chunks, polls started at render) finish before counting.
  await page.waitForLoadState("networkidle").catch(() => undefined);
  const fcp = await page.evaluate(
    () => performance.getEntriesByType("paint").find((p) => p.name === "first-contentful-paint")?.startTime ?? null,
  );
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.loadingFinished", onFinished);
  cdp.off("Network.requestServedFromCache", onCached);
  const bytes = { js: 0, css: 0, fonts: 0, other: 0, total: 0 };
  for (const [id, size] of sizes) {
    const kind = kinds.get(id) ?? "other";
    bytes[kind] += size;
    bytes.total += size;
  }
  return { bytes, fcp, rendered, wall: Date.now() - started };
}

async function run(browser, baseUrl, jar, page) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  if (jar) {
    await context.addCookies(
      [...jar.cookies].filter(([name]) => !name.includes("oauth")).map(([name, value]) => ({ name, value, url: baseUrl })),
    );
  }
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  const cold = await measure(tab, cdp, `${baseUrl}${page.path}`, page.ready);
  // Warm: the same browser comes back (hashed assets from its cache, index.html revalidated).
  await tab.goto("about:blank");
  const warm = await measure(tab, cdp, `${baseUrl}${page.path}`, page.ready);
  await context.close();
  return { cold, warm };
}

function median(values) {
  const sorted = values.filter((v) => v != null).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
}

function summarise(results) {
  const pick = (phase, f) => median(results.map((r) => f(r[phase])));
  // (an empty list gives nulls: a page that could not be measured)
  const out = {};
  for (const phase of ["cold", "warm"]) {
    out[phase] = {
      js: pick(phase, (m) => m.bytes.js),
      css: pick(phase, (m) => m.bytes.css),
      fonts: pick(phase, (m) => m.bytes.fonts),
      other: pick(phase, (m) => m.bytes.other),
      total: pick(phase, (m) => m.bytes.total),
      fcp: pick(phase, (m) => m.fcp),
      rendered: pick(phase, (m) => m.rendered),
    };
  }
  return out;
}

const kb = (n) => (n == null ? "—" : `${(n / 1024).toFixed(1)} KB`);
const ms = (n) => (n == null ? "—" : `${(n / 1000).toFixed(2)} s`);

async function main() {
  const server = await startServer();
  let browser;
  try {
    const encoding = await fetch(`${server.url}/`, { headers: { "accept-encoding": "br" } });
    const html = await encoding.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const asset = script ? await fetch(`${server.url}${script}`, { headers: { "accept-encoding": "br, gzip" } }) : null;
    console.log(`server: ${server.bin}`);
    console.log(`        ${script ?? "(no script)"} served with content-encoding: ${asset?.headers.get("content-encoding") ?? "none"}, cache-control: ${asset?.headers.get("cache-control") ?? "none"}`);
    console.log(`network: ${NETWORK.downloadThroughput * 8 / 1e6} Mbps down, ${NETWORK.uploadThroughput * 8 / 1e3} kbps up, ${NETWORK.latency} ms RTT (CDP); phone viewport 390x844; median of ${RUNS} runs\n`);

    const jar = await connectOverHttp(server.url);
    const records = await waitForFirstSync(server.url, jar);
    console.log(`connected the sandbox account; first sync done (${records} records)\n`);

    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const pages = [
      { name: "baseline: /favicon.svg", path: "/favicon.svg", ready: null, session: false },
      { name: "Connect (/)", path: "/", ready: "button:has-text('Connect to Jobber')", session: false },
      {
        name: "Manage (/manage)",
        path: "/manage",
        // The synced records are on screen (cards on a phone) and the freshness summary with them.
        ready: "[data-testid=data-tabs] .record-card, [data-testid=data-tabs] tbody tr",
        session: true,
      },
    ];
    const rows = [];
    for (const page of pages) {
      const results = [];
      try {
        for (let i = 0; i < RUNS; i += 1) results.push(await run(browser, server.url, page.session ? jar : null, page));
        rows.push({ page, ...summarise(results) });
      } catch (error) {
        // Print what the other pages measured; say why this one has no figures.
        console.error(`${page.name}: ${String(error).split("\n")[0]}`);
        process.exitCode = 1;
        rows.push({ page, ...summarise([]) });
      }
    }

    const header = ["page", "cache", "JS", "CSS", "fonts", "other", "total", "FCP", "rendered"];
    const table = [header];
    for (const row of rows) {
      for (const phase of ["cold", "warm"]) {
        const m = row[phase];
        table.push([row.page.name, phase, kb(m.js), kb(m.css), kb(m.fonts), kb(m.other), kb(m.total), ms(m.fcp), ms(m.rendered)]);
      }
    }
    const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));

    const [baseline, connectRow, manageRow] = rows;
    const ratio = (a, b) => (a != null && b ? `${(a / b).toFixed(1)}x` : "—");
    console.log(`\nManage rendered vs the bare static file: ${ratio(manageRow.cold.rendered, baseline.cold.rendered)} cold, ${ratio(manageRow.warm.rendered, baseline.warm.rendered)} warm`);
    const goals = [
      ["Connect <= 150 KB on the wire (cold)", connectRow.cold.total <= GOALS.connectBytes, kb(connectRow.cold.total)],
      ["Manage <= 350 KB on the wire (cold)", manageRow.cold.total <= GOALS.manageBytes, kb(manageRow.cold.total)],
      ["Manage rendered <= 3.0 s cold", manageRow.cold.rendered <= GOALS.manageCold, ms(manageRow.cold.rendered)],
      ["Manage rendered <= 1.0 s warm", manageRow.warm.rendered <= GOALS.manageWarm, ms(manageRow.warm.rendered)],
    ];
    console.log("\ngoals:");
    for (const [goal, met, value] of goals) console.log(`  ${value === "—" ? "n/a   " : met ? "met   " : "MISSED"}  ${goal}: ${value}`);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

await main();
