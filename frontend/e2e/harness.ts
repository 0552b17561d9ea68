/**
 * Browser-test harness: runs the real backend binary (with its embedded Jobber sandbox) on free
 * ports and drives Debian's Chromium through playwright-core. Never downloads a browser.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "e2e-artifacts");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How long the backend may take to become ready (a debug build migrating a fresh SQLite file). */
const READY_TIMEOUT_MS = 30_000;

function backendBinary(): string {
  if (process.env.JOBBER_APP_BIN) return process.env.JOBBER_APP_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, "target");
  return path.join(targetDir, "debug", "jobber-app");
}

/**
 * `n` distinct ports nothing listens on right now: each stays bound until all are picked, so the
 * OS cannot hand out one of them twice.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface Backend {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The embedded Jobber sandbox, e.g. http://127.0.0.1:41235 */
  sandboxUrl: string;
  /**
   * The admin listener (ADMIN_BIND_ADDR, on a free port of its own: never the default 9090, which
   * another instance may hold), e.g. http://127.0.0.1:41236. The console is at `${adminUrl}/admin`.
   */
  adminUrl: string;
  /** The database the backend uses (DATABASE_URL). */
  databaseUrl: string;
  /** The SQLite file, when the database is the default fresh SQLite one; else null. */
  sqlitePath: string | null;
  logPath: string;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** More environment for the backend (wins over the harness' own, e.g. DATABASE_URL). */
  env?: Record<string, string>;
  /**
   * Wait for the admin listener too (GET /admin/session = 200), with this ADMIN_TOKEN when given
   * (none: the loopback console needs no sign-in).
   */
  admin?: { token?: string };
}

/** A random token of `length` URL-safe characters (for ADMIN_TOKEN). */
export function randomToken(length = 40): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/**
 * Starts `jobber-app serve` on fresh ports with a fresh SQLite database (unless `env` says
 * otherwise); resolves once /readyz is 200 (and, with `admin`, the admin listener answers).
 */
export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  // A port picked free can be taken by another process before the backend binds it: start again
  // on new ports then (the log says so), a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBackendOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startBackendOnce(options: BackendOptions): Promise<Backend> {
  const bin = backendBinary();
  if (!existsSync(bin)) {
    throw new Error(`Backend binary not found at ${bin}: run \`cargo build -p jobber-app\` or set JOBBER_APP_BIN.`);
  }
  const spaDir = path.join(REPO_ROOT, "frontend", "dist");
  if (!existsSync(path.join(spaDir, "index.html"))) {
    throw new Error(`No built SPA in ${spaDir}: run \`npm run build\` first.`);
  }

  const workDir = await mkdtemp(path.join(tmpdir(), "fieldsync-e2e-"));
  const [port, sandboxPort, adminPort] = await freePorts(3);
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const sqliteFile = path.join(workDir, "app.db");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite://${sqliteFile}?mode=rwc`,
    DATA_DIR: workDir,
    BIND_ADDR: `127.0.0.1:${port}`,
    APP_BASE_URL: url,
    SANDBOX_BIND_ADDR: `127.0.0.1:${sandboxPort}`,
    SPA_DIR: spaDir,
    APP_ENV: "development",
    LOG_FORMAT: "json",
    // Every browser here is 127.0.0.1: journeys that connect, disconnect and reconnect within a
    // minute would meet the per-address limit on code exchanges (its own test is in edge.rs).
    OAUTH_EXCHANGE_BURST: "100",
    OAUTH_EXCHANGES_PER_MINUTE: "1000",
    ADMIN_BIND_ADDR: `127.0.0.1:${adminPort}`,
    ...(options.admin?.token ? { ADMIN_TOKEN: options.admin.token } : {}),
    ...options.env,
  };
  if (!options.admin?.token && !options.env?.ADMIN_TOKEN) delete env.ADMIN_TOKEN;
  // Without Jobber credentials the backend embeds its Jobber sandbox, which these tests rely on.
  delete env.JOBBER_CLIENT_ID;
  delete env.JOBBER_CLIENT_SECRET;
  delete env.JOBBER_CLIENT_SECRET_PREVIOUS;

  const logPath = path.join(workDir, "backend.log");
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(bin, ["serve"], { env, cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const stop = async () => {
    if (exitCode === undefined) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    log.end();
  };

  // An exit during startup ends the wait at once (no use polling a dead process).
  const died = exited.then((code) => {
    throw new Error(`backend exited early with code ${code}`);
  });
  died.catch(() => undefined);
  try {
    await Promise.race([
      died,
      pollUntil(
        "the backend to report ready at /readyz",
        async () => {
          const response = await fetch(`${url}/readyz`);
          return response.status === 200 ? true : undefined;
        },
        { timeoutMs: READY_TIMEOUT_MS },
      ),
    ]);
    if (options.admin) {
      await Promise.race([
        died,
        pollUntil(
          "the admin listener to answer GET /admin/session",
          async () => {
            const response = await fetch(`${adminUrl}/admin/session`);
            return response.status === 200 ? true : undefined;
          },
          { timeoutMs: READY_TIMEOUT_MS },
        ),
      ]);
    }
  } catch (error) {
    await stop();
    const text = await readFile(logPath, "utf8").catch(() => "");
    if (text.includes("Address already in use")) {
      throw new PortTaken(`a port was taken before the backend bound it: ${text.split("\n").at(-2) ?? ""}`);
    }
    await saveBackendLog("startup", logPath);
    throw error;
  }

  const databaseUrl = env.DATABASE_URL ?? "";
  return {
    url,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    adminUrl,
    databaseUrl,
    sqlitePath: databaseUrl.startsWith(`sqlite://${sqliteFile}`) ? sqliteFile : null,
    logPath,
    async stop() {
      await stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

function artifactName(testName: string): string {
  return testName.replace(/[^a-zA-Z0-9-_]+/g, "-").replace(/^-|-$/g, "");
}

async function saveBackendLog(testName: string, logPath: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(logPath, "utf8").catch(() => "(no backend output)");
  await writeFile(path.join(ARTIFACTS_DIR, `${artifactName(testName)}.backend.log`), text);
}

export interface PageTools {
  /**
   * A page in another fresh browser context: a different "site" for cookies. Cookies ignore
   * ports, so the sandbox's dashboard and our app share a cookie jar on 127.0.0.1 otherwise,
   * which real Jobber (another domain) never does.
   */
  isolatedPage(): Promise<Page>;
}

/**
 * Runs `body` with a fresh browser context (no cookies) and page. On failure saves
 * `e2e-artifacts/<test>.png`, the backend's output and the browser console, then rethrows.
 */
export interface Viewport {
  width: number;
  height: number;
}

/** The two screens every page is checked on: a phone (iPhone 12–15) and a laptop. */
export const PHONE: Viewport = { width: 390, height: 844 };
export const DESKTOP: Viewport = { width: 1280, height: 800 };

export async function withPage(
  testName: string,
  browser: Browser,
  backend: Backend,
  body: (page: Page, tools: PageTools) => Promise<void>,
  { viewport = { width: 1200, height: 900 } }: { viewport?: Viewport } = {},
): Promise<void> {
  const contexts: BrowserContext[] = [];
  const consoleLines: string[] = [];
  const newContext = async () => {
    const context = await browser.newContext({ viewport, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
    context.setDefaultTimeout(15_000);
    context.on("console", (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    contexts.push(context);
    return context;
  };
  const page = await (await newContext()).newPage();
  try {
    await body(page, { isolatedPage: async () => (await newContext()).newPage() });
  } catch (error) {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const name = artifactName(testName);
    const pages = contexts.flatMap((context) => context.pages());
    await Promise.all(
      pages.map((p, i) =>
        p
          .screenshot({ path: path.join(ARTIFACTS_DIR, `${name}${i === 0 ? "" : `-page${i + 1}`}.png`), fullPage: true })
          .catch(() => undefined),
      ),
    );
    await writeFile(path.join(ARTIFACTS_DIR, `${name}.console.log`), consoleLines.join("\n"));
    await saveBackendLog(testName, backend.logPath);
    throw error;
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
}
