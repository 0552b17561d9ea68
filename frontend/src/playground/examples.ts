//! The playground's ready-made tabs: a short "start here" query, then every operation the SPA
//! itself sends (the `.graphql` files next to its features), one tab per operation, with the
//! fragments it spreads and variables to run it as it is.
import { Kind, parse, visit, type DefinitionNode, type TypeNode } from "graphql";

export interface ExampleTab {
  query: string;
  variables?: string;
}

export const START_HERE = `# Welcome to Fieldsync's GraphQL API.
#
# Run this query with Ctrl-Enter (⌘-Enter) or the pink ▶ button.
# Docs (the book icon on the left) lists every type and field; History keeps what you ran.
# The other tabs are the operations the app's own pages send, exactly as they send them
# (frontend/src/**/*.graphql). Most need a session: sign in with the link above.
query StartHere {
  appInfo {
    appName
    version
    environment
    sandboxMode
  }
  connection {
    status
    account {
      name
    }
  }
}
`;

/** A value to start with for a required variable of this type (nullable ones are left out). */
function sampleValue(type: TypeNode, name: string): unknown {
  if (type.kind !== Kind.NON_NULL_TYPE) return undefined;
  const inner = type.type;
  if (inner.kind === Kind.LIST_TYPE) return [];
  switch (inner.name.value) {
    case "Int":
      return name === "first" ? 10 : 0;
    case "Float":
      return 0;
    case "Boolean":
      return false;
    default:
      return "";
  }
}

function text(source: string, node: DefinitionNode): string {
  return node.loc ? source.slice(node.loc.start, node.loc.end) : "";
}

/** The fragment names `node` spreads, directly or through other fragments, in first-use order. */
function fragmentsUsed(node: DefinitionNode, fragments: Map<string, { node: DefinitionNode }>): string[] {
  const out: string[] = [];
  const walk = (from: DefinitionNode) =>
    visit(from, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (out.includes(name)) return;
        out.push(name);
        const fragment = fragments.get(name);
        if (fragment) walk(fragment.node);
      },
    });
  walk(node);
  return out;
}

/** Where a file's operations go among the tabs: the shell's first, the data tabs' last. */
const FEATURE_ORDER = ["app", "connect", "manage", "sync", "webhooks", "data"];
const featureRank = (path: string) => {
  const rank = FEATURE_ORDER.findIndex((name) => path.includes(`/${name}/`));
  return rank < 0 ? FEATURE_ORDER.length : rank;
};
/** Reads first, then subscriptions, then mutations (which change things when run). */
const OPERATION_ORDER = ["query", "subscription", "mutation"];

/**
 * One tab per operation in `sources` (file path → contents), each headed by the file it comes
 * from: queries, then subscriptions, then mutations, each in the order of the pages (shell,
 * Manage, sync, activity, data) and of the file. Fragments may live in another file (as the SPA's
 * do).
 */
export function operationTabs(sources: Record<string, string>): ExampleTab[] {
  const files = Object.entries(sources)
    .sort(([a], [b]) => featureRank(a) - featureRank(b) || a.localeCompare(b))
    .map(([path, source]) => ({ path, source, document: parse(source) }));
  const fragments = new Map<string, { node: DefinitionNode; source: string }>();
  for (const { source, document } of files) {
    for (const node of document.definitions) {
      if (node.kind === Kind.FRAGMENT_DEFINITION) fragments.set(node.name.value, { node, source });
    }
  }
  const tabs: Array<ExampleTab & { rank: number }> = [];
  for (const { path, source, document } of files) {
    for (const node of document.definitions) {
      if (node.kind !== Kind.OPERATION_DEFINITION) continue;
      const from = `# From ${path.replace(/^(\.\.\/)+/, "frontend/src/")}`;
      const warning = node.operation === "mutation" ? "\n# A mutation: running it changes the account's data." : "";
      const parts = [`${from}${warning}\n${text(source, node)}`];
      for (const name of fragmentsUsed(node, fragments)) {
        const fragment = fragments.get(name);
        if (fragment) parts.push(text(fragment.source, fragment.node));
      }
      const variables: Record<string, unknown> = {};
      for (const definition of node.variableDefinitions ?? []) {
        if (definition.defaultValue) continue;
        const name = definition.variable.name.value;
        const value = sampleValue(definition.type, name);
        if (value !== undefined) variables[name] = value;
      }
      tabs.push({
        rank: OPERATION_ORDER.indexOf(node.operation),
        query: `${parts.join("\n\n")}\n`,
        ...(Object.keys(variables).length > 0 ? { variables: JSON.stringify(variables, null, 2) } : {}),
      });
    }
  }
  // Array.prototype.sort is stable: within a kind, the order above stays.
  return tabs.sort((a, b) => a.rank - b.rank).map(({ query, variables }) => (variables ? { query, variables } : { query }));
}

/** The SPA's operations, read at build time. */
const SPA_OPERATIONS = import.meta.glob<string>(["../app/*.graphql", "../features/**/*.graphql"], {
  query: "?raw",
  import: "default",
  eager: true,
});

export function exampleTabs(): ExampleTab[] {
  return [{ query: START_HERE }, ...operationTabs(SPA_OPERATIONS)];
}
