/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import {
  atlantisSelfHostedFonts,
  atlantisSideEffectFree,
  atlantisUsedIconsOnly,
  noThirdPartyUrls,
  precompress,
} from "./config/vite-plugins.ts";

// Where the Rust backend listens in development. Override with FIELDSYNC_BACKEND_URL.
const backend = process.env.FIELDSYNC_BACKEND_URL ?? "http://127.0.0.1:8080";

// Everything the backend serves besides the SPA itself.
const proxied = ["/auth", "/webhooks", "/healthz", "/readyz", "/metrics"];

export default defineConfig({
  plugins: [react(), atlantisSelfHostedFonts(), atlantisSideEffectFree(),
    atlantisUsedIconsOnly(fileURLToPath(new URL("./src", import.meta.url))), noThirdPartyUrls(), precompress()],
  build: {
    // Vite 8's default CSS minifier (lightningcss) rejects Atlantis' CSS; esbuild accepts it.
    cssMinify: "esbuild",
    // Fonts are requested by CSS; inlining them as data: URLs would bloat the stylesheet.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/graphql": { target: backend, ws: true, changeOrigin: false },
      ...Object.fromEntries(proxied.map((path) => [path, { target: backend }])),
    },
  },
  preview: {
    proxy: {
      "/graphql": { target: backend, ws: true },
      ...Object.fromEntries(proxied.map((path) => [path, { target: backend }])),
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
