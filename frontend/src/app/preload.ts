//! The Manage page's first reads, started by the entry chunk as soon as it runs on /manage,
//! while the page's own chunk (Apollo Client, tables: the largest download) is still on its way.
//! Apollo Client then takes these answers (see `preloadedLink` in apollo.ts) instead of asking
//! again, which takes two round trips off the time to the merchant's data on a slow network.
import { tabStateFromParams, listVariables, type DataTab } from "../features/data/urlState";
import {
  ManageConnectionDocument,
  SyncedClientsDocument,
  SyncedInvoicesDocument,
  SyncedJobsDocument,
  SyncedPropertiesDocument,
  SyncedQuotesDocument,
} from "../gql-shell/graphql";
import { GRAPHQL_URL, operationName, type QueryString } from "./request";

/** A raw GraphQL answer (`data`, `errors`), as Apollo's HTTP link would have received it. */
export type RawResult = Record<string, unknown>;

/** Unused answers are dropped after this long: they would be stale by then. */
const FRESH_MS = 10_000;

const LISTS: Record<DataTab, QueryString<unknown, never>> = {
  clients: SyncedClientsDocument,
  properties: SyncedPropertiesDocument,
  jobs: SyncedJobsDocument,
  quotes: SyncedQuotesDocument,
  invoices: SyncedInvoicesDocument,
};

const pending = new Map<string, Promise<RawResult>>();

/** Identifies an operation by name and variables (key order and `undefined` ignored). */
export function operationKey(name: string | undefined, variables: Record<string, unknown> | undefined): string {
  const entries = Object.entries(variables ?? {})
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${name ?? ""}:${JSON.stringify(entries)}`;
}

function start(document: QueryString<unknown, never>, variables: Record<string, unknown>) {
  const name = operationName(document);
  const key = operationKey(name, variables);
  const answer = fetch(GRAPHQL_URL, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ operationName: name, query: document.toString(), variables }),
  }).then(async (response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as RawResult;
  });
  // A failed preload is simply not used: Apollo asks again.
  answer.catch(() => pending.delete(key));
  pending.set(key, answer);
  setTimeout(() => pending.delete(key), FRESH_MS);
}

/** On /manage, asks for the connection and the data tab the URL shows, right now. */
export function preloadManagePage(location: Location = window.location): void {
  if (location.pathname.replace(/\/+$/, "") !== "/manage") return;
  start(ManageConnectionDocument, {});
  const { tab, state } = tabStateFromParams(new URLSearchParams(location.search));
  start(LISTS[tab], listVariables(state));
}

/** The preloaded answer for this operation, once (later asks go to the network). */
export function takePreloaded(name: string | undefined, variables: Record<string, unknown> | undefined) {
  const key = operationKey(name, variables);
  const answer = pending.get(key);
  pending.delete(key);
  return answer;
}
