import { NetworkStatus, useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Glimmer } from "@jobber/components/Glimmer";
import { InputText } from "@jobber/components/InputText";
import { Text } from "@jobber/components/Text";
import { useState, type ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import { Panel } from "../features/shared/Panel";
import { useDebouncedValue } from "../features/shared/useDebouncedValue";
import { AdminPage } from "./AdminPage";
import { AuditTable } from "./AuditTable";
import { AuditLogDocument } from "./gql/graphql";

export const AUDIT_PAGE_SIZE = 50;
const FILTER_DEBOUNCE_MS = 400;

/**
 * The whole audit log, newest first, optionally for one Jobber account (`?account=`), with "Load
 * older" appending the next page (the cache merges pages, see apollo.ts).
 */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const account = params.get("account") ?? "";
  const filter = useDebouncedValue(account.trim(), FILTER_DEBOUNCE_MS);
  const [olderError, setOlderError] = useState<string | null>(null);
  const { data, previousData, loading, error, refetch, fetchMore, networkStatus } = useQuery(AuditLogDocument, {
    variables: { jobberAccountId: filter || null, first: AUDIT_PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  const page = (data ?? (error ? undefined : previousData))?.audit;
  const loadingOlder = networkStatus === NetworkStatus.fetchMore;

  const loadOlder = async () => {
    if (!page?.nextCursor) return;
    setOlderError(null);
    try {
      await fetchMore({ variables: { after: page.nextCursor } });
    } catch (e) {
      setOlderError(`The console couldn't load older entries${e instanceof Error ? `: ${e.message}` : "."}`);
    }
  };

  let body: ReactNode;
  if (!page && loading) {
    body = (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">Loading the audit log…</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  } else if (!page) {
    body = (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        {`The console couldn't load the audit log${error?.message ? `: ${error.message}` : "."}`}
      </Banner>
    );
  } else if (page.entries.length === 0) {
    body = <Text>{filter ? `No entries for account ${filter}.` : "The audit log is empty."}</Text>;
  } else {
    body = (
      <>
        <AuditTable entries={page.entries} showAccount label="Audit log entries, newest first" />
        <div className="pager">
          <Text size="small" variation="subdued">
            {page.nextCursor
              ? `Newest ${page.entries.length.toLocaleString()} entries`
              : `All ${page.entries.length.toLocaleString()} entries`}
          </Text>
          {page.nextCursor && (
            <Button
              label="Load older"
              type="secondary"
              size="small"
              loading={loadingOlder}
              onClick={() => void loadOlder()}
            />
          )}
        </div>
        {olderError && <Text variation="error">{olderError}</Text>}
      </>
    );
  }

  return (
    <AdminPage title="Audit log">
      <Panel className="panel--flush-x">
        <div className="admin-filters">
          <div className="admin-search">
            <InputText
              placeholder="Filter by Jobber account id"
              name="account"
              value={account}
              onChange={(value: string) => {
                const next = new URLSearchParams(params);
                if (value) next.set("account", value);
                else next.delete("account");
                setParams(next, { replace: true });
              }}
            />
          </div>
        </div>
        {body}
      </Panel>
    </AdminPage>
  );
}
