import type { CodegenConfig } from "@graphql-codegen/cli";

/** Types and typed documents for our own API, generated from the backend's committed SDL. */
const config: CodegenConfig = {
  schema: "../backend/schema.graphql",
  documents: ["src/**/*.graphql", "src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  hooks: { afterOneFileWrite: ["node scripts/gql-banner.mjs"] },
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false },
        skipTypename: false,
      },
    },
  },
};

export default config;
