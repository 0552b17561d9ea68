//! Where the installs list keeps its state in the URL: `status`, `q` (search) and `after` (once per
//! page after the first: the trail of cursors, so "Previous page" goes back one and Back and
//! reload keep the page).
import type { InstallStatus } from "./gql/graphql";
import { STATUS_FILTERS } from "./words";

export const PAGE_SIZE = 25;
/** The admin API's bound on `search` is the public API's: keep well inside it. */
export const SEARCH_MAX_LENGTH = 200;

export interface InstallsListState {
  status: InstallStatus | null;
  search: string;
  /** Cursors of the pages after the first, in order: the last one is where this page starts. */
  cursors: string[];
}

export function readListState(params: URLSearchParams): InstallsListState {
  const status = params.get("status");
  return {
    status: STATUS_FILTERS.find((s) => s.value === status)?.value ?? null,
    search: params.get("q") ?? "",
    cursors: params.getAll("after").filter(Boolean),
  };
}

export function listParams(state: InstallsListState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.status) params.set("status", state.status);
  if (state.search) params.set("q", state.search);
  for (const cursor of state.cursors) params.append("after", cursor);
  return params;
}
