import { StatusLabel } from "@jobber/components/StatusLabel";
import { useCallback } from "react";
import { useSearchParams } from "react-router-dom";
import { formatCalendarDate, formatDateTime, formatMoney, jobberStatus } from "../../app/format";
import {
  SyncedClientsDocument,
  SyncedInvoicesDocument,
  SyncedJobsDocument,
  SyncedPropertiesDocument,
  SyncedQuotesDocument,
  type SyncedClientsQuery,
  type SyncedInvoicesQuery,
  type SyncedJobsQuery,
  type SyncedPropertiesQuery,
  type SyncedQuotesQuery,
} from "../../gql/graphql";
import { Panel } from "../shared/Panel";
import { RecordList, type ListDefinition } from "./RecordList";
import { Tabs } from "./Tabs";
import {
  DATA_TABS,
  pagesParam,
  searchParam,
  TAB_PARAM,
  tabStateFromParams,
  type DataTab,
} from "./urlState";

export { DATA_TABS, TAB_PARAM, type DataTab };

type Node<Q, K extends keyof Q> = Q[K] extends { nodes: Array<infer N> } ? N : never;

const dash = (value: string | null | undefined) => (value && value.trim() ? value : "—");
const numbered = (n: number | null | undefined, text: string) => (n == null ? text : `#${n} · ${text}`);

function Status({ value }: { value: string | null | undefined }) {
  const words = jobberStatus(value);
  return words ? <StatusLabel label={words.label} status={words.indicator} /> : <>—</>;
}

const clients: ListDefinition<SyncedClientsQuery, Node<SyncedClientsQuery, "clients">> = {
  what: "clients",
  document: SyncedClientsDocument,
  pick: (d) => d.clients,
  title: { header: "Name", cell: (c) => c.name },
  columns: [
    { header: "Email", cell: (c) => dash(c.emails[0]) },
    { header: "Phone", cell: (c) => dash(c.phones[0]), nowrap: true },
    {
      header: "Address",
      cell: (c) => dash([c.billingAddress?.street, c.billingAddress?.city].filter(Boolean).join(", ")),
    },
    { header: "Balance", cell: (c) => formatMoney(c.balance), align: "end", nowrap: true },
  ],
};

const properties: ListDefinition<SyncedPropertiesQuery, Node<SyncedPropertiesQuery, "properties">> = {
  what: "properties",
  document: SyncedPropertiesDocument,
  pick: (d) => d.properties,
  title: { header: "Address", cell: (p) => dash(p.address?.street) },
  columns: [
    { header: "City", cell: (p) => dash([p.address?.city, p.address?.province].filter(Boolean).join(", ")) },
    { header: "Client", cell: (p) => dash(p.clientName) },
  ],
};

const jobs: ListDefinition<SyncedJobsQuery, Node<SyncedJobsQuery, "jobs">> = {
  what: "jobs",
  document: SyncedJobsDocument,
  pick: (d) => d.jobs,
  title: { header: "Job", cell: (j) => numbered(j.jobNumber, j.title) },
  status: { header: "Status", cell: (j) => <Status value={j.status} /> },
  columns: [
    { header: "Client", cell: (j) => dash(j.clientName) },
    { header: "Total", cell: (j) => formatMoney(j.total), align: "end", nowrap: true },
    { header: "Starts", cell: (j) => (j.startAt ? formatDateTime(j.startAt) : "—"), nowrap: true },
  ],
};

const quotes: ListDefinition<SyncedQuotesQuery, Node<SyncedQuotesQuery, "quotes">> = {
  what: "quotes",
  document: SyncedQuotesDocument,
  pick: (d) => d.quotes,
  title: { header: "Quote", cell: (q) => numbered(q.quoteNumber, q.title) },
  status: { header: "Status", cell: (q) => <Status value={q.status} /> },
  columns: [
    { header: "Client", cell: (q) => dash(q.clientName) },
    { header: "Total", cell: (q) => formatMoney(q.total), align: "end", nowrap: true },
  ],
};

const invoices: ListDefinition<SyncedInvoicesQuery, Node<SyncedInvoicesQuery, "invoices">> = {
  what: "invoices",
  document: SyncedInvoicesDocument,
  pick: (d) => d.invoices,
  title: { header: "Invoice", cell: (i) => numbered(i.invoiceNumber, i.subject) },
  status: { header: "Status", cell: (i) => <Status value={i.status} /> },
  columns: [
    { header: "Client", cell: (i) => dash(i.clientName) },
    { header: "Total", cell: (i) => formatMoney(i.total), align: "end", nowrap: true },
    { header: "Balance", cell: (i) => formatMoney(i.balance), align: "end", nowrap: true },
    { header: "Due", cell: (i) => formatCalendarDate(i.dueDate), nowrap: true },
  ],
};

/**
 * Each tab's search and page, kept in the URL so that switching tabs, Back and reload all keep
 * them, and each tab keeps its own. Switching tab and paging add history entries; typing a search
 * replaces the current one (Back should not replay every keystroke).
 */
function useTabState() {
  const [params, setParams] = useSearchParams();
  const { tab, state } = tabStateFromParams(params);
  const update = useCallback(
    (change: (next: URLSearchParams) => void, replace: boolean) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          change(next);
          return next;
        },
        { replace, preventScrollReset: true },
      ),
    [setParams],
  );
  return {
    tab,
    state,
    selectTab: (key: DataTab) =>
      update((next) => {
        if (key === "clients") next.delete(TAB_PARAM);
        else next.set(TAB_PARAM, key);
      }, false),
    setSearch: (search: string) =>
      update((next) => {
        if (search) next.set(searchParam(tab), search);
        else next.delete(searchParam(tab));
        next.delete(pagesParam(tab));
      }, true),
    setPages: (cursors: string[]) =>
      update((next) => {
        if (cursors.length) next.set(pagesParam(tab), cursors.join(","));
        else next.delete(pagesParam(tab));
      }, false),
  };
}

/** The merchant's synced Jobber data, one tab per resource. */
export function DataTabs() {
  const { tab, state, selectTab, setSearch, setPages } = useTabState();
  const props = { state, onSearch: setSearch, onPage: setPages };
  return (
    <Panel title="Your Jobber data" className="panel--flush" testId="data-tabs">
      <Tabs label="Your Jobber data" tabs={DATA_TABS} selected={tab} onSelect={selectTab}>
        {tab === "clients" && <RecordList list={clients} {...props} />}
        {tab === "properties" && <RecordList list={properties} {...props} />}
        {tab === "jobs" && <RecordList list={jobs} {...props} />}
        {tab === "quotes" && <RecordList list={quotes} {...props} />}
        {tab === "invoices" && <RecordList list={invoices} {...props} />}
      </Tabs>
    </Panel>
  );
}
