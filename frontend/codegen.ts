import type { CodegenConfig } from "@graphql-codegen/cli";
import { readFileSync } from "node:fs";
import { Kind, parse, print, type DefinitionNode } from "graphql";

const BACKEND_SDL = "../backend/schema.graphql";
const PENDING_SDL = "schema/contract-pending.graphql";

/**
 * The agreed-but-not-landed part of the contract (schema/contract-pending.graphql), minus every
 * type and field backend/schema.graphql already defines: the frontend can build against the
 * contract before the backend ships it, and nothing is defined twice once it has.
 */
function pendingSdl(): string | null {
  const backend = parse(readFileSync(BACKEND_SDL, "utf8"));
  const fields = new Map<string, Set<string>>();
  for (const def of backend.definitions) {
    if ("name" in def && def.name) {
      const names = "fields" in def && def.fields ? def.fields.map((f) => f.name.value) : [];
      const values = "values" in def && def.values ? def.values.map((v) => v.name.value) : [];
      fields.set(def.name.value, new Set([...names, ...values]));
    }
  }
  const keep: DefinitionNode[] = [];
  for (const def of parse(readFileSync(PENDING_SDL, "utf8")).definitions) {
    if (!("name" in def) || !def.name) continue;
    const existing = fields.get(def.name.value);
    if (def.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const missing = def.fields?.filter((f) => !existing?.has(f.name.value)) ?? [];
      if (missing.length > 0) keep.push({ ...def, fields: missing });
    } else if (!existing) {
      keep.push(def);
    }
  }
  return keep.length > 0 ? print({ kind: Kind.DOCUMENT, definitions: keep }) : null;
}

const pending = pendingSdl();

/** Operations the small pages send with plain fetch (src/app/request.ts). */
const SHELL_DOCUMENTS = ["src/app/app.graphql", "src/features/connect/connect.graphql"];

const typesConfig = {
  // Both are ISO 8601 strings on the wire: DateTime an RFC 3339 instant, NaiveDate a calendar date.
  scalars: { DateTime: "string", NaiveDate: "string" },
  enumsAsTypes: true,
  useTypeImports: true,
  avoidOptionals: { field: true, inputValue: false },
  skipTypename: false,
};

/** Types and typed documents for our own API, generated from the backend's committed SDL. */
const config: CodegenConfig = {
  schema: pending ? [BACKEND_SDL, pending] : BACKEND_SDL,
  ignoreNoDocuments: true,
  hooks: { afterOneFileWrite: ["node scripts/gql-banner.mjs"] },
  generates: {
    // Everything, as documents for Apollo Client (the Manage page).
    "src/gql/": {
      documents: ["src/**/*.graphql", "src/**/*.{ts,tsx}", "!src/gql/**/*", "!src/gql-shell/**/*"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
    // The shell's operations again, as query strings: the small pages send them with fetch and so
    // need neither graphql-js' printer nor the Manage page's documents in their chunk.
    "src/gql-shell/": {
      preset: "client",
      documents: SHELL_DOCUMENTS,
      presetConfig: { fragmentMasking: false },
      config: { ...typesConfig, documentMode: "string" },
    },
  },
};

export default config;
