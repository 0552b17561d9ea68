// Fails when the committed generated files (every target of codegen.ts: src/gql/, src/gql-shell/,
// src/admin/gql/) differ from what graphql-codegen generates now. Generates into a temporary
// directory and compares file by file, so it doesn't depend on git.
import { generate, loadCodegenConfig } from "@graphql-codegen/cli";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const { config } = await loadCodegenConfig({ configFilePath: path.join(root, "codegen.ts") });
const targets = Object.keys(config.generates).join(", ");
const tmp = await mkdtemp(path.join(tmpdir(), "fieldsync-codegen-"));
const list = async (dir) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();

try {
  const problems = [];
  let count = 0;
  for (const [target, output] of Object.entries(config.generates)) {
    const committedDir = path.join(root, target);
    const generatedDir = path.join(tmp, target);
    await generate({ ...config, silent: true, generates: { [`${generatedDir}/`]: output } }, true);
    const [generated, committed] = await Promise.all([list(generatedDir), list(committedDir).catch(() => [])]);
    count += generated.length;
    for (const file of new Set([...generated, ...committed])) {
      const name = path.join(target, file);
      if (!generated.includes(file)) problems.push(`${name} is no longer generated`);
      else if (!committed.includes(file)) problems.push(`${name} is missing`);
      else {
        const [want, have] = await Promise.all([
          readFile(path.join(generatedDir, file), "utf8"),
          readFile(path.join(committedDir, file), "utf8"),
        ]);
        if (want !== have) problems.push(`${name} is stale`);
      }
    }
  }
  if (problems.length > 0) {
    console.error(`Generated GraphQL types are out of date:\n  ${problems.join("\n  ")}\nRun \`npm run codegen\` and commit ${targets}`);
    process.exitCode = 1;
  } else {
    console.log(`${targets} are up to date (${count} files).`);
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
