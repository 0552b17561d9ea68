import type { CodegenConfig } from "@graphql-codegen/cli";

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
  schema: "../backend/schema.graphql",
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
