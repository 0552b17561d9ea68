import { useQuery, type ApolloError, type TypedDocumentNode } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Glimmer } from "@jobber/components/Glimmer";
import { InputText } from "@jobber/components/InputText";
import { Text } from "@jobber/components/Text";
import { useEffect, useRef, type ReactNode } from "react";
import { SyncStatusDocument } from "../../gql/graphql";
import { useDebouncedValue } from "../shared/useDebouncedValue";
import { useMediaQuery, WIDE_SCREEN } from "../shared/useMediaQuery";
import { listVariables, PAGE_SIZE, type ListState } from "./urlState";

export { PAGE_SIZE, type ListState };

/** The API's bound on `search` (longer is a BAD_USER_INPUT error). */
export const SEARCH_MAX_LENGTH = 200;
const SEARCH_DEBOUNCE_MS = 250;

export interface RecordPage<N> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  nodes: N[];
}
type Vars = { first: number; after?: string | null; search?: string | null };

export interface Column<N> {
  header: string;
  cell(node: N): ReactNode;
  align?: "start" | "end";
  /** Keeps the value on one line (phone numbers, money, dates). */
  nowrap?: boolean;
}

export interface ListDefinition<D, N> {
  /** Plural, lower case: "clients". */
  what: string;
  document: TypedDocumentNode<D, Vars>;
  pick(data: D): RecordPage<N>;
  /** The card's title on a phone (and the table's first column). */
  title: Column<N>;
  /** A status label shown beside the title on a phone, and as a column. */
  status?: Column<N>;
  columns: Array<Column<N>>;
}


interface Props<D, N> {
  list: ListDefinition<D, N>;
  state: ListState;
  onSearch(search: string): void;
  onPage(cursors: string[]): void;
}

function searchError(error: ApolloError | undefined): string | null {
  const bad = error?.graphQLErrors.find((e) => e.extensions?.["code"] === "BAD_USER_INPUT");
  return bad ? bad.message : null;
}

/**
 * One searchable, paged list of synced records: a table on wide screens, stacked cards on a phone
 * (so nothing pushes the page sideways). Search and page live in the URL (see `DataTabs`).
 */
export function RecordList<D, N extends { id: string }>({ list, state, onSearch, onPage }: Props<D, N>) {
  const { what, document, pick } = list;
  const wide = useMediaQuery(WIDE_SCREEN);
  const search = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const { data, previousData, loading, error, refetch } = useQuery(document, {
    variables: listVariables({ search, cursors: state.cursors }),
  });
  const page = data ? pick(data) : previousData && !error ? pick(previousData) : undefined;

  // Reload when the sync panel (which follows sync progress into the shared cache) sees new data.
  const { data: sync } = useQuery(SyncStatusDocument, { fetchPolicy: "cache-only" });
  const synced = sync?.syncStatus.map((s) => `${s.resource}:${s.count}:${s.lastSuccessAt ?? ""}`).join("|");
  const storedAny = sync?.syncStatus.some((s) => s.count > 0) ?? false;
  // Not on the first status: the list was just loaded (only a later change means new data).
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!synced) return;
    if (seen.current !== undefined && seen.current !== synced) void refetch().catch(() => undefined);
    seen.current = synced;
  }, [synced, refetch]);
  // Unless the list was read just before the sync stored its data and the status arrived just
  // after: an empty list while the sync says it stored data is read again, once.
  const emptyUnfiltered = page !== undefined && page.totalCount === 0 && search === "";
  const rechecked = useRef(false);
  useEffect(() => {
    if (rechecked.current || !storedAny || !emptyUnfiltered) return;
    rechecked.current = true;
    void refetch().catch(() => undefined);
  }, [storedAny, emptyUnfiltered, refetch]);

  const badSearch = searchError(error);
  let body: ReactNode;
  if (badSearch) {
    body = <Text variation="error">{badSearch}</Text>;
  } else if (!page && loading) {
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
        {`We couldn't load your ${what}. Check your connection and try again.`}
      </Banner>
    );
  } else if (page.nodes.length === 0) {
    body = <Text>{search ? `No ${what} match “${search}”` : `No ${what} synced yet`}</Text>;
  } else {
    const start = state.cursors.length * PAGE_SIZE;
    body = (
      <>
        {wide ? <RecordTable list={list} nodes={page.nodes} /> : <RecordCards list={list} nodes={page.nodes} />}
        <div className="pager">
          <Text size="small" variation="subdued">
            {`${start + 1}–${start + page.nodes.length} of ${page.totalCount} ${what}`}
          </Text>
          <div className="button-row">
            <Button
              label="Previous"
              type="secondary"
              size="small"
              disabled={state.cursors.length === 0}
              onClick={() => onPage(state.cursors.slice(0, -1))}
            />
            <Button
              label="Next"
              type="secondary"
              size="small"
              disabled={!page.pageInfo.hasNextPage || !page.pageInfo.endCursor}
              onClick={() => page.pageInfo.endCursor && onPage([...state.cursors, page.pageInfo.endCursor])}
            />
          </div>
        </div>
      </>
    );
  }

  return (
    <div className="record-list">
      <div className="record-search">
        <InputText
          placeholder={`Search ${what}`}
          name={`search-${what}`}
          value={state.search}
          // Not Atlantis' maxLength: it also sizes the field to that many characters (a page
          // wider than any phone); the API's bound is kept by cutting the text instead.
          onChange={(value: string) => onSearch(value.slice(0, SEARCH_MAX_LENGTH))}
        />
      </div>
      {body}
      {/* Announces what a search or page change found (the list itself is not a live region). */}
      <div className="visually-hidden" aria-live="polite">
        {announcement(what, search, page)}
      </div>
    </div>
  );
}

function announcement<N>(what: string, search: string, page: RecordPage<N> | undefined): string {
  if (!page) return "";
  if (page.totalCount === 0) return search ? `No ${what} match “${search}”` : `No ${what} synced yet`;
  return `${page.totalCount} ${what}${search ? ` match “${search}”` : ""}`;
}

function RecordTable<D, N extends { id: string }>({ list, nodes }: { list: ListDefinition<D, N>; nodes: N[] }) {
  const columns = [list.title, ...(list.status ? [list.status] : []), ...list.columns];
  return (
    <table className="record-table">
      <caption className="visually-hidden">{`Synced ${list.what}`}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header} scope="col" className={c.align === "end" ? "align-end" : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => (
          <tr key={node.id}>
            {columns.map((c) => (
              <td
                key={c.header}
                className={[c.align === "end" ? "align-end" : "", c.nowrap ? "nowrap" : ""].join(" ").trim() || undefined}
              >
                {c.cell(node)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RecordCards<D, N extends { id: string }>({ list, nodes }: { list: ListDefinition<D, N>; nodes: N[] }) {
  return (
    <ul className="record-cards" aria-label={`Synced ${list.what}`}>
      {nodes.map((node) => (
        <li key={node.id} className="record-card">
          <div className="record-card-header">
            <span className="record-card-title">{list.title.cell(node)}</span>
            {list.status && <span className="record-card-status">{list.status.cell(node)}</span>}
          </div>
          <dl className="record-card-fields">
            {list.columns.map((c) => (
              <div key={c.header} className="record-card-field">
                <dt>{c.header}</dt>
                <dd className={c.nowrap ? "nowrap" : undefined}>{c.cell(node)}</dd>
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ul>
  );
}
