import { useQuery, type TypedDocumentNode } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Glimmer } from "@jobber/components/Glimmer";
import { InputText } from "@jobber/components/InputText";
import { Body, Cell, Header, Row, Table } from "@jobber/components/Table";
import { Tab, Tabs } from "@jobber/components/Tabs";
import { Text } from "@jobber/components/Text";
import { useEffect, useState, type ReactNode } from "react";
import { formatDateTime } from "../../app/format";
import {
  SyncedClientsDocument,
  SyncedInvoicesDocument,
  SyncedJobsDocument,
  SyncedPropertiesDocument,
  SyncedQuotesDocument,
  SyncStatusDocument,
} from "../../gql/graphql";

export const PAGE_SIZE = 20;

const money = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });
function formatMoney(value: number | null | undefined): string {
  return value == null ? "—" : money.format(value);
}

interface Page<N> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  nodes: N[];
}
type Vars = { first: number; after?: string | null; search?: string | null };

interface ListProps<D, N> {
  what: string;
  document: TypedDocumentNode<D, Vars>;
  pick(data: D): Page<N>;
  headers: string[];
  cells(node: N): ReactNode[];
}

/** One searchable, paged table of synced items. */
function RecordList<D, N extends { id: string }>({ what, document, pick, headers, cells }: ListProps<D, N>) {
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors[cursors.length - 1];
  const { data, previousData, loading, error, refetch } = useQuery(document, {
    variables: { first: PAGE_SIZE, after, search: search.trim() || null },
  });
  const page = data ? pick(data) : previousData ? pick(previousData) : undefined;
  // Reload when the sync card (which polls the status into the shared cache) sees new data.
  const { data: sync } = useQuery(SyncStatusDocument, { fetchPolicy: "cache-only" });
  const synced = sync?.syncStatus.map((s) => `${s.resource}:${s.count}:${s.lastSuccessAt ?? ""}`).join("|");
  useEffect(() => {
    if (synced) void refetch().catch(() => undefined);
  }, [synced, refetch]);

  let body;
  if (!page && loading) {
    body = (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">{`Loading ${what}…`}</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  } else if (!page) {
    body = (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        {`We couldn't load ${what}${error ? `: ${error.message}` : ""}.`}
      </Banner>
    );
  } else if (page.nodes.length === 0) {
    body = <Text>{search.trim() ? `No ${what} match “${search.trim()}”` : `No ${what} synced yet`}</Text>;
  } else {
    const start = (cursors.length - 1) * PAGE_SIZE;
    body = (
      <>
        <Table>
          <Header>
            {headers.map((h) => (
              <Cell key={h}>{h}</Cell>
            ))}
          </Header>
          <Body>
            {page.nodes.map((node) => (
              <Row key={node.id}>
                {cells(node).map((c, i) => (
                  <Cell key={headers[i]}>{c}</Cell>
                ))}
              </Row>
            ))}
          </Body>
        </Table>
        <Text size="small" variation="subdued">
          {`${start + 1}–${start + page.nodes.length} of ${page.totalCount} ${what}`}
        </Text>
        <div className="button-row">
          <Button
            label="Previous"
            type="secondary"
            disabled={cursors.length === 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          />
          <Button
            label="Next"
            type="secondary"
            disabled={!page.pageInfo.hasNextPage}
            onClick={() => setCursors((c) => [...c, page.pageInfo.endCursor ?? null])}
          />
        </div>
      </>
    );
  }

  return (
    <Content>
      <InputText
        placeholder={`Search ${what}`}
        name={`search-${what}`}
        value={search}
        onChange={(value: string) => {
          setSearch(value);
          setCursors([null]);
        }}
      />
      {body}
    </Content>
  );
}

/** The merchant's synced Jobber data, one tab per resource. */
export function DataTabs() {
  return (
    <Card header="Your Jobber data">
      <Tabs>
        <Tab label="Clients">
          <RecordList
            what="clients"
            document={SyncedClientsDocument}
            pick={(d) => d.clients}
            headers={["Name", "Email", "Phone", "Address", "Balance"]}
            cells={(c) => [
              c.name,
              c.emails[0] ?? "—",
              c.phones[0] ?? "—",
              [c.billingAddress?.street, c.billingAddress?.city].filter(Boolean).join(", ") || "—",
              formatMoney(c.balance),
            ]}
          />
        </Tab>
        <Tab label="Properties">
          <RecordList
            what="properties"
            document={SyncedPropertiesDocument}
            pick={(d) => d.properties}
            headers={["Address", "City", "Client"]}
            cells={(p) => [p.address?.street ?? "—", p.address?.city ?? "—", p.clientName ?? "—"]}
          />
        </Tab>
        <Tab label="Jobs">
          <RecordList
            what="jobs"
            document={SyncedJobsDocument}
            pick={(d) => d.jobs}
            headers={["#", "Title", "Status", "Client", "Total", "Starts"]}
            cells={(j) => [
              j.jobNumber ?? "—",
              j.title,
              j.status ?? "—",
              j.clientName ?? "—",
              formatMoney(j.total),
              j.startAt ? formatDateTime(j.startAt) : "—",
            ]}
          />
        </Tab>
        <Tab label="Quotes">
          <RecordList
            what="quotes"
            document={SyncedQuotesDocument}
            pick={(d) => d.quotes}
            headers={["#", "Title", "Status", "Client", "Total"]}
            cells={(q) => [q.quoteNumber ?? "—", q.title, q.status ?? "—", q.clientName ?? "—", formatMoney(q.total)]}
          />
        </Tab>
        <Tab label="Invoices">
          <RecordList
            what="invoices"
            document={SyncedInvoicesDocument}
            pick={(d) => d.invoices}
            headers={["#", "Subject", "Status", "Client", "Total", "Balance", "Due"]}
            cells={(i) => [
              i.invoiceNumber ?? "—",
              i.subject,
              i.status ?? "—",
              i.clientName ?? "—",
              formatMoney(i.total),
              formatMoney(i.balance),
              i.dueDate ? formatDateTime(i.dueDate) : "—",
            ]}
          />
        </Tab>
      </Tabs>
    </Card>
  );
}
