//! Where the data tabs keep their state in the URL: `tab`, and per tab `<tab>.q` (search) and
//! `<tab>.after` (the cursors of the pages after the first, comma-separated). Shared by the tabs
//! and by the Manage page's preload (src/app/preload.ts), so both ask for the same page.

export const DATA_TABS = [
  { key: "clients", label: "Clients" },
  { key: "properties", label: "Properties" },
  { key: "jobs", label: "Jobs" },
  { key: "quotes", label: "Quotes" },
  { key: "invoices", label: "Invoices" },
] as const;
export type DataTab = (typeof DATA_TABS)[number]["key"];

export const PAGE_SIZE = 20;
export const TAB_PARAM = "tab";
export const searchParam = (tab: DataTab) => `${tab}.q`;
export const pagesParam = (tab: DataTab) => `${tab}.after`;

export interface ListState {
  search: string;
  /** Cursors of the pages after the first, in order: the last one is where this page starts. */
  cursors: string[];
}

function isTab(value: string | null): value is DataTab {
  return DATA_TABS.some((t) => t.key === value);
}

/** The selected tab and its search and page, as the URL says. */
export function tabStateFromParams(params: URLSearchParams): { tab: DataTab; state: ListState } {
  const raw = params.get(TAB_PARAM);
  const tab: DataTab = isTab(raw) ? raw : "clients";
  return {
    tab,
    state: {
      search: params.get(searchParam(tab)) ?? "",
      cursors: (params.get(pagesParam(tab)) ?? "").split(",").filter(Boolean),
    },
  };
}

/** The variables of a list query for `state` (what RecordList sends once the search has settled). */
export function listVariables(state: ListState) {
  const search = state.search.trim();
  return { first: PAGE_SIZE, after: state.cursors[state.cursors.length - 1] ?? null, search: search || null };
}
