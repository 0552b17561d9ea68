import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Glimmer } from "@jobber/components/Glimmer";
import { InputText } from "@jobber/components/InputText";
import { Select } from "@jobber/components/Select";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Panel } from "../features/shared/Panel";
import { useDebouncedValue } from "../features/shared/useDebouncedValue";
import { AdminPage } from "./AdminPage";
import { FleetHealth } from "./FleetHealth";
import { InstallsDocument, type InstallFieldsFragment } from "./gql/graphql";
import { listParams, PAGE_SIZE, readListState, SEARCH_MAX_LENGTH, type InstallsListState } from "./listState";
import { ProblemBadges } from "./ProblemBadges";
import { installPath } from "./routes";
import { useNow, When } from "./time";
import { count, installStatus, resourceName, STATUS_FILTERS, webhookHealth } from "./words";

const SEARCH_DEBOUNCE_MS = 300;
const ALL = "";

/**
 * Every install the app has seen, problems first: fleet health above, then a paged, searchable
 * table with a status filter. Each row links to the install's page.
 */
export function InstallsPage({ pollInterval }: { pollInterval: number }) {
  const [params, setParams] = useSearchParams();
  const state = readListState(params);
  const search = useDebouncedValue(state.search.trim(), SEARCH_DEBOUNCE_MS);
  const { data, previousData, loading, error, refetch } = useQuery(InstallsDocument, {
    variables: {
      status: state.status,
      search: search || null,
      first: PAGE_SIZE,
      after: state.cursors[state.cursors.length - 1] ?? null,
    },
    pollInterval,
    // Coming back from an install's page (after an action) shows the cached page, then fresh data.
    fetchPolicy: "cache-and-network",
  });
  const page = (data ?? (error ? undefined : previousData))?.installs;
  const now = useNow();

  // Typing and filtering replace the history entry and start from the first page; paging adds one.
  const update = (next: Partial<InstallsListState>, replace: boolean) =>
    setParams(listParams({ ...state, ...next }), { replace });

  let body: ReactNode;
  if (!page && loading) {
    body = (
      <div role="status" aria-busy="true">
        <span className="visually-hidden">Loading installs…</span>
        <div aria-hidden="true">
          <Glimmer.Text lines={3} />
        </div>
      </div>
    );
  } else if (!page) {
    body = (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        {`The console couldn't load the installs${error?.message ? `: ${error.message}` : "."}`}
      </Banner>
    );
  } else if (page.installs.length === 0) {
    body = (
      <Text>
        {search || state.status
          ? "No installs match this search and filter."
          : "No installs yet: an account appears here once a merchant connects it."}
      </Text>
    );
  } else {
    const start = state.cursors.length * PAGE_SIZE;
    body = (
      <>
        <InstallsTable installs={page.installs} now={now} />
        <div className="pager">
          <Text size="small" variation="subdued">
            {`${(start + 1).toLocaleString()}–${(start + page.installs.length).toLocaleString()} of ${count(page.totalCount, "install")}`}
          </Text>
          <div className="button-row">
            <Button
              label="Previous page"
              type="secondary"
              size="small"
              disabled={state.cursors.length === 0}
              onClick={() => update({ cursors: state.cursors.slice(0, -1) }, false)}
            />
            <Button
              label="Next page"
              type="secondary"
              size="small"
              disabled={!page.nextCursor}
              onClick={() => page.nextCursor && update({ cursors: [...state.cursors, page.nextCursor] }, false)}
            />
          </div>
        </div>
      </>
    );
  }

  return (
    <AdminPage title="Installs">
      <FleetHealth pollInterval={pollInterval} />
      <Panel title="Installs" className="panel--flush-x" testId="installs">
        <div className="admin-filters">
          <div className="admin-search">
            <InputText
              placeholder="Search by name or Jobber account id"
              name="search"
              value={state.search}
              onChange={(value: string) => update({ search: value.slice(0, SEARCH_MAX_LENGTH), cursors: [] }, true)}
            />
          </div>
          <div className="admin-status-filter">
            <Select
              placeholder="Status"
              name="status"
              value={state.status ?? ALL}
              onChange={(value) =>
                update({ status: STATUS_FILTERS.find((s) => s.value === value)?.value ?? null, cursors: [] }, true)
              }
            >
              <Select.Option value={ALL}>All statuses</Select.Option>
              {STATUS_FILTERS.map((s) => (
                <Select.Option key={s.value} value={s.value}>
                  {s.label}
                </Select.Option>
              ))}
            </Select>
          </div>
        </div>
        {body}
        <div className="visually-hidden" aria-live="polite">
          {page ? `${count(page.totalCount, "install")}${search ? ` match “${search}”` : ""}` : ""}
        </div>
      </Panel>
    </AdminPage>
  );
}

function InstallsTable({ installs, now }: { installs: InstallFieldsFragment[]; now: Date }) {
  return (
    <div className="admin-table-scroll" role="region" aria-label="Installs table" tabIndex={0}>
      <table className="record-table admin-table">
        <caption className="visually-hidden">Installs, problems first</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Status</th>
            <th scope="col">Problems</th>
            <th scope="col">Connected</th>
            <th scope="col">Last sync</th>
            <th scope="col">Webhooks</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {installs.map((install) => (
            <InstallRow key={install.jobberAccountId} install={install} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InstallRow({ install, now }: { install: InstallFieldsFragment; now: Date }) {
  const status = installStatus(install.status);
  const health = install.webhookHealth;
  return (
    <tr data-testid={`install-${install.jobberAccountId}`}>
      <th scope="row" className="admin-account">
        <Link to={installPath(install.jobberAccountId)}>{install.name || "(no name)"}</Link>
        <code className="admin-id">{install.jobberAccountId}</code>
      </th>
      <td className="nowrap">
        <StatusLabel label={status.label} status={status.indicator} />
      </td>
      <td>
        <ProblemBadges problems={install.problems} />
      </td>
      <td className="nowrap">
        <When value={install.connectedAt} now={now} />
        {install.connectedByName && <span className="admin-subtle admin-block">{`by ${install.connectedByName}`}</span>}
      </td>
      <td>
        <ul className="admin-resource-syncs" aria-label="Last successful sync per resource">
          {install.resources.map((r) => (
            <li key={r.resource} className={r.state === "FAILED" ? "admin-failed" : undefined}>
              <span className="admin-resource-name">{resourceName(r.resource)}</span>{" "}
              <When value={r.lastSuccessAt} now={now} none="never" />
              {r.state === "FAILED" && " · failing"}
              {r.state === "RUNNING" && " · running"}
            </li>
          ))}
        </ul>
      </td>
      <td className="nowrap">
        <span className="admin-block">{`${install.webhooksPending.toLocaleString()} pending`}</span>
        <span className={`admin-block${install.webhooksDead > 0 ? " admin-failed" : ""}`}>
          {`${install.webhooksDead.toLocaleString()} dead`}
        </span>
        {health && <span className="admin-subtle admin-block">{webhookHealth(health.status).label}</span>}
      </td>
      <td className="admin-last-error">{install.lastError ?? <span className="admin-none">—</span>}</td>
    </tr>
  );
}
