//! Build steps of our own: self-hosted fonts for Atlantis and GraphiQL, and precompressed assets.
//! Small enough to keep here rather than pull a plugin per step (see each one for why).
import { createRequire } from "node:module";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import { promisify } from "node:util";
import type { Plugin, ResolvedConfig } from "vite";

const require = createRequire(import.meta.url);

/** The stylesheet of `@jobber/design` that loads Atlantis' fonts (from Google Fonts, upstream). */
const FOUNDATION_CSS = /@jobber[\\/]design[\\/]dist[\\/]foundation\.css$/;
const REMOTE_IMPORT = /@import\s+url\(\s*["']?https?:\/\/[^)]*\)\s*;?/g;

/**
 * Atlantis' foundation.css starts with `@import url("https://fonts.googleapis.com/…")`: a request
 * to another origin on every visit (blocked by our CSP, and it fails offline). This replaces it
 * with `@font-face` rules for the same families (Inter, Poppins), served from our own origin out
 * of the `@fontsource` npm packages. Only the Latin subset: the app's copy is English. Inter is
 * the variable font (one file for every weight Atlantis uses); Poppins (headings) has one file
 * per weight, and the browser downloads only the weights a page renders.
 */
/**
 * An `@font-face` rule for the Latin subset of a font file from an npm package, with a URL
 * relative to the stylesheet `from` (Vite then emits the file as a hashed asset).
 */
function latinFace(from: string, family: string, weight: string, file: string, format: string, style = "normal") {
  const resolved = require.resolve(file);
  const url = path.relative(path.dirname(from), resolved).split(path.sep).join("/");
  return `@font-face{font-family:${family};font-style:${style};font-display:swap;font-weight:${weight};src:url("${url}") format("${format}");unicode-range:U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD}`;
}

export function atlantisSelfHostedFonts(): Plugin {
  const face = latinFace;
  return {
    name: "fieldsync:atlantis-self-hosted-fonts",
    enforce: "pre",
    transform(code, id) {
      const file = id.split("?")[0] ?? id;
      if (!FOUNDATION_CSS.test(file)) return null;
      if (!REMOTE_IMPORT.test(code)) {
        this.warn("foundation.css no longer imports remote fonts: check atlantisSelfHostedFonts");
      }
      const faces = [
        face(file, "Inter", "100 900", "@fontsource-variable/inter/files/inter-latin-wght-normal.woff2", "woff2-variations"),
        ...["700", "800", "900"].map((w) =>
          face(file, "Poppins", w, `@fontsource/poppins/files/poppins-latin-${w}-normal.woff2`, "woff2"),
        ),
      ];
      return { code: `${faces.join("\n")}\n${code.replace(REMOTE_IMPORT, "")}`, map: null };
    },
  };
}

/** GraphiQL's bundled stylesheet (the playground's, `graphiql/style.css`). */
const GRAPHIQL_CSS = /[\\/]node_modules[\\/]graphiql[\\/]dist[\\/]style\.css$/;
const FONT_FACE = /@font-face\s*\{[^}]*\}/g;

/**
 * GraphiQL's stylesheet embeds its fonts (Roboto 400/500, upright and italic, and Fira Code 400,
 * in seven scripts each) as base64 `data:` URLs: 360 of its 418 KB, in the CSS that every visit
 * must download before the page renders. This swaps them for `@font-face` rules pointing at the
 * Latin woff2 files of `@fontsource/roboto` and `@fontsource/fira-code`, served from our origin
 * and downloaded only when a page uses them.
 */
export function graphiqlSelfHostedFonts(): Plugin {
  return {
    name: "fieldsync:graphiql-self-hosted-fonts",
    enforce: "pre",
    transform(code, id) {
      const file = id.split("?")[0] ?? id;
      if (!GRAPHIQL_CSS.test(file)) return null;
      const embedded = code.match(FONT_FACE)?.length ?? 0;
      if (embedded === 0) this.warn("graphiql/style.css has no @font-face rules any more: check graphiqlSelfHostedFonts");
      const faces = [
        ...["400", "500"].flatMap((w) =>
          ["normal", "italic"].map((style) =>
            latinFace(file, "Roboto", w, `@fontsource/roboto/files/roboto-latin-${w}-${style}.woff2`, "woff2", style),
          ),
        ),
        latinFace(file, '"Fira Code"', "400", "@fontsource/fira-code/files/fira-code-latin-400-normal.woff2", "woff2"),
      ];
      return { code: `${faces.join("\n")}\n${code.replace(FONT_FACE, "")}`, map: null };
    },
  };
}

/** Atlantis packages whose modules only declare things, but whose package.json does not say so. */
const SIDE_EFFECT_FREE = /[\\/]node_modules[\\/]@jobber[\\/](?:hooks|design|formatters)[\\/].*\.m?js$/;

/**
 * Marks `@jobber/hooks`, `@jobber/design` and `@jobber/formatters` as free of side effects (they
 * are: modules of functions and constants), which their package.json files do not declare. Without
 * it the bundler keeps every module `@jobber/hooks`' index imports, including `useCollectionQuery`
 * and through it all of Apollo Client, in the chunk of any page that shows an Atlantis Banner.
 */
export function atlantisSideEffectFree(): Plugin {
  return {
    name: "fieldsync:atlantis-side-effect-free",
    transform(_code, id) {
      return SIDE_EFFECT_FREE.test(id.split("?")[0] ?? id) ? { code: _code, map: null, moduleSideEffects: false } : null;
    },
  };
}

const DESIGN_INDEX = /[\\/]node_modules[\\/]@jobber[\\/]design[\\/]dist[\\/]index\.mjs$/;
const ICON_ENTRY = /^ {8}"([^"]+)": \[\n(?: {12}".*",?\n)* {8}\],?\n/gm;

/**
 * The Atlantis component files our source can reach: every `@jobber/components/<Name>` it imports
 * and, transitively, the files those import. Read from the files themselves (a regex over the
 * import statements of Atlantis' prebuilt ES modules), so it changes only when they or our imports
 * do; a superset of what the bundle contains, which is the safe side for the two pruning steps
 * below.
 */
async function atlantisFilesUsedBy(srcDir: string, skip: string[]): Promise<string[]> {
  const componentsDir = path.dirname(require.resolve("@jobber/components/styles"));
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = await readFile(file, "utf8").catch(() => "");
    for (const match of code.matchAll(/(?:import|export)\s*(?:[^'"]*?from\s*)?['"](\.{1,2}\/[^'"]+)['"]/g)) {
      let target = path.resolve(path.dirname(file), match[1] ?? "");
      if (!/\.m?js$/.test(target)) target = path.join(target, "index.mjs");
      await visit(target);
    }
  };
  for await (const file of files(srcDir, skip)) {
    if (!/\.tsx?$/.test(file) || /\.test\.tsx?$/.test(file)) continue;
    for (const match of (await readFile(file, "utf8")).matchAll(/from\s+["']@jobber\/components\/([A-Za-z]+)["']/g)) {
      await visit(path.join(componentsDir, match[1] ?? "", "index.mjs"));
    }
  }
  return [...seen];
}

async function quotedWords(paths: string[]): Promise<Set<string>> {
  const words = new Set<string>();
  for (const file of paths) {
    for (const match of (await readFile(file, "utf8").catch(() => "")).matchAll(/["'`]([A-Za-z][\w-]*)["'`]/g)) {
      if (match[1]) words.add(match[1]);
    }
  }
  return words;
}

async function sourceFiles(srcDir: string, skip: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const file of files(srcDir, skip)) if (/\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file)) out.push(file);
  return out;
}

/**
 * `@jobber/design`'s `getIcon` looks icons up in a map of every Atlantis icon's SVG paths (100 KB,
 * 29 KB compressed), so any page with a Button carries all ~190 icons. This keeps the icons whose
 * names appear as a string in the Atlantis components we use or in our own source (a superset of
 * those that can render: Atlantis names its icons with literals) and drops the rest.
 */
export function atlantisUsedIconsOnly(srcDir: string, skip: string[] = []): Plugin {
  let used: Promise<Set<string>> | undefined;
  return {
    name: "fieldsync:atlantis-used-icons-only",
    apply: "build",
    async transform(code, id) {
      if (!DESIGN_INDEX.test(id.split("?")[0] ?? id)) return null;
      used ??= (async () => quotedWords([...(await atlantisFilesUsedBy(srcDir, skip)), ...(await sourceFiles(srcDir, skip))]))();
      const keep = await used;
      // Icons drawn with another's paths (getIcon's secondaryIconMap).
      for (const alias of ["backArrow", "cross", "thumbsUp"]) keep.add(alias);
      let dropped = 0;
      const pruned = code.replace(ICON_ENTRY, (entry, name: string) => {
        if (keep.has(name)) return entry;
        dropped += 1;
        return "";
      });
      if (dropped === 0) this.warn("no Atlantis icons dropped: check atlantisUsedIconsOnly's pattern");
      return { code: pruned, map: null };
    },
  };
}

const COMPONENTS_CSS = /[\\/]node_modules[\\/]@jobber[\\/]components[\\/]dist[\\/]styles\.css$/;

/**
 * Atlantis ships one stylesheet for all ~90 components (230 KB, 34 KB compressed). Its class names
 * are CSS-module hashes that appear, as strings, in the components that use them; PurgeCSS keeps
 * the rules whose selectors appear in the Atlantis files we use (see `atlantisFilesUsedBy`) or in
 * our source, and drops the rest. Custom properties, keyframes and font faces are kept.
 */
export function atlantisUsedStylesOnly(srcDir: string, skip: string[] = []): Plugin {
  return {
    name: "fieldsync:atlantis-used-styles-only",
    apply: "build",
    enforce: "pre",
    async transform(code, id) {
      if (!COMPONENTS_CSS.test(id.split("?")[0] ?? id)) return null;
      const { PurgeCSS } = await import("purgecss");
      const content = [...(await atlantisFilesUsedBy(srcDir, skip)), ...(await sourceFiles(srcDir, skip))];
      const [result] = await new PurgeCSS().purge({
        content,
        css: [{ raw: code }],
        // Hashed class names contain "-" and "_"; the default extractor keeps those.
        safelist: { standard: [/^:root$/, /^html$/, /^body$/] },
      });
      if (!result) return null;
      return { code: result.css, map: null };
    },
  };
}

/** Fails the build when an emitted text asset still points at another origin. */
export function noThirdPartyUrls(): Plugin {
  return {
    name: "fieldsync:no-third-party-urls",
    apply: "build",
    generateBundle(_, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!name.endsWith(".css")) continue;
        const text = item.type === "asset" ? String(item.source) : item.code;
        const remote = text.match(/url\(\s*["']?(?:https?:)?\/\/[^)]*\)|@import\s+["']?(?:https?:)?\/\//);
        if (remote) this.error(`${name} loads from another origin: ${remote[0]}`);
      }
    },
  };
}

const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|map|webmanifest|xml|ico)$/;
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Every file under `dir`, except under the directories in `skip`. */
async function* files(dir: string, skip: string[] = []): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && skip.includes(full)) continue;
    if (entry.isDirectory()) yield* files(full, skip);
    else yield full;
  }
}

/** Whether `file` has a `.br` or `.gz` sibling written after it (by an earlier build). */
async function compressedAlready(file: string): Promise<boolean> {
  const written = (await stat(file)).mtimeMs;
  for (const sibling of [`${file}.br`, `${file}.gz`]) {
    const made = await stat(sibling).then((s) => s.mtimeMs, () => undefined);
    if (made !== undefined && made >= written) return true;
  }
  return false;
}

/**
 * Writes `X.br` and `X.gz` beside every text file of the build (hashed assets and the files
 * copied from public/), which the backend serves to browsers that accept them. node's zlib does
 * both at the highest levels, so no plugin dependency is needed; a file that compression does not
 * make smaller gets no sibling (the server then sends it as it is). A build into a directory it did
 * not empty (the console's, see vite.config.ts) leaves files whose siblings are up to date alone.
 */
export function precompress(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "fieldsync:precompress",
    apply: "build",
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      let count = 0;
      for await (const file of files(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        if (await compressedAlready(file)) continue;
        const body = await readFile(file);
        const [br, gzipped] = await Promise.all([
          brotli(body, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
              [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
            },
          }),
          gz(body, { level: zlib.Z_BEST_COMPRESSION }),
        ]);
        if (br.length < body.length) await writeFile(`${file}.br`, br);
        else await rm(`${file}.br`, { force: true });
        if (gzipped.length < body.length) await writeFile(`${file}.gz`, gzipped);
        else await rm(`${file}.gz`, { force: true });
        count += 1;
      }
      config.logger.info(`precompressed ${count} text files (.br, .gz)`);
    },
  };
}
