import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

/**
 * Operations sent with plain fetch from the entry chunk (src/app/request.ts): the small pages'
 * reads, and the Manage page's first reads, started before its chunk has arrived
 * (src/app/preload.ts).
 */
const SHELL_DOCUMENTS = [
  "src/app/app.graphql",
  "src/features/connect/connect.graphql",
  "src/features/manage/manage.graphql",
  "src/features/data/data.graphql",
];

const typesConfig = {
  // Both are ISO 8601 strings on the wire: DateTime an RFC 3339 instant, NaiveDate a calendar date.
  scalars: { DateTime: "string", NaiveDate: "string" },
  enumsAsTypes: true,
  useTypeImports: true,
  avoidOptionals: { field: true, inputValue: false },
  skipTypename: false,
};

const PUBLIC_SCHEMA = "../backend/schema.graphql";

/**
 * Types and typed documents for our own APIs, generated from the backend's committed SDLs: the
 * merchant-facing API (`backend/schema.graphql`) and the operator console's admin API
 * (`backend/admin.graphql`, served on the admin listener only). Each target names its schema (a
 * top-level one would be merged into every target's).
 */
const config: CodegenConfig = {
  ignoreNoDocuments: true,
  hooks: { afterOneFileWrite: ["node scripts/gql-banner.mjs"] },
  generates: {
    // Everything, as documents for Apollo Client (the Manage page).
    "src/gql/": {
      schema: PUBLIC_SCHEMA,
      documents: [
        "src/**/*.graphql",
        "src/**/*.{ts,tsx}",
        "!src/gql/**/*",
        "!src/gql-shell/**/*",
        "!src/admin/**/*",
      ],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
    // Those operations again, as query strings, for the entry chunk: no graphql-js printer and no
    // document objects there. With `__typename` selected, as Apollo Client sends them, so a
    // preloaded answer is exactly what Apollo would have received.
    "src/gql-shell/": {
      schema: PUBLIC_SCHEMA,
      preset: "client",
      documents: SHELL_DOCUMENTS,
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: { fragmentMasking: false },
      config: { ...typesConfig, documentMode: "string" },
    },
    // The operator console (src/admin/): its operations against the admin API's SDL.
    "src/admin/gql/": {
      schema: "../backend/admin.graphql",
      documents: ["src/admin/**/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: typesConfig,
    },
  },
};

export default config;
