import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { DescriptionList } from "@jobber/components/DescriptionList";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import type { ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { topicName } from "../app/format";
import { PageLoading } from "../features/shared/PageLoading";
import { Panel } from "../features/shared/Panel";
import { AdminPage } from "./AdminPage";
import { AuditTable } from "./AuditTable";
import { InstallDocument, type InstallFieldsFragment, type InstallQuery } from "./gql/graphql";
import { InstallActions } from "./InstallActions";
import { ProblemBadges } from "./ProblemBadges";
import { auditPath } from "./routes";
import { useNow, When } from "./time";
import { count, disconnectedBy, eventStatus, installStatus, resourceName, runState, webhookHealth } from "./words";

type Detail = NonNullable<InstallQuery["install"]>;

/**
 * What the actions read again after they ran: this page (its timeline gains an entry). The list
 * and fleet health read the network again whenever they are shown.
 */
const REFRESH_AFTER_ACTION = ["Install"];

const back = (
  <Link to="/" className="admin-back-link">
    ← All installs
  </Link>
);

/**
 * One install in full: metadata, the actions, per-resource sync state, webhook health and recent
 * events (metadata only), and its timeline from the audit log.
 */
export function InstallPage({ pollInterval }: { pollInterval: number }) {
  const { jobberAccountId = "" } = useParams();
  const { data, loading, error, refetch } = useQuery(InstallDocument, {
    variables: { jobberAccountId },
    pollInterval,
  });
  const detail = data?.install;
  const navigate = useNavigate();

  if (!data && loading) return <PageLoading label="Loading the install" />;
  if (!data) {
    return (
      <AdminPage title="Install" back={back}>
        <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
          {`The console couldn't load this install${error?.message ? `: ${error.message}` : "."}`}
        </Banner>
      </AdminPage>
    );
  }
  if (!detail) {
    return (
      <AdminPage title="Install not found" back={back}>
        <Text>{`The app has never seen a Jobber account with the id ${jobberAccountId}.`}</Text>
        <div className="button-row">
          <Button label="All installs" type="secondary" onClick={() => navigate("/")} />
        </div>
      </AdminPage>
    );
  }
  return <InstallDetailView detail={detail} stale={Boolean(error)} />;
}

function InstallDetailView({ detail, stale }: { detail: Detail; stale: boolean }) {
  const { install } = detail;
  const status = installStatus(install.status);
  return (
    <AdminPage
      title={install.name || install.jobberAccountId}
      back={back}
      meta={
        <>
          <StatusLabel label={status.label} status={status.indicator} />
          {install.problems.length > 0 && <ProblemBadges problems={install.problems} />}
        </>
      }
    >
      {stale && <Text size="small">Couldn't refresh; showing what the console loaded last.</Text>}
      <InstallActions install={install} refetchQueries={REFRESH_AFTER_ACTION} />
      <div className="admin-columns">
        <Metadata install={install} />
        <WebhookPanel detail={detail} />
      </div>
      <ResourcesPanel install={install} />
      <Panel
        title="Timeline"
        className="panel--flush-x"
        testId="install-timeline"
        actions={<Link to={auditPath(install.jobberAccountId)}>Open in the audit log</Link>}
      >
        {detail.timeline.length === 0 ? (
          <Text>Nothing recorded yet.</Text>
        ) : (
          <AuditTable entries={detail.timeline} showAccount={false} label="Timeline, newest first" />
        )}
      </Panel>
      <EventsPanel detail={detail} />
    </AdminPage>
  );
}

function Metadata({ install }: { install: InstallFieldsFragment }) {
  const now = useNow();
  const by = [install.connectedByName, install.connectedByEmail && `<${install.connectedByEmail}>`]
    .filter(Boolean)
    .join(" ");
  const rows: Array<[string, ReactNode]> = [
    ["Jobber account id", <code key="id">{install.jobberAccountId}</code>],
    ["Connected", <When key="c" value={install.connectedAt} exact />],
    ["Connected by", by || "—"],
  ];
  if (install.disconnectedAt) {
    rows.push([
      "Disconnected",
      <span key="d">
        <When value={install.disconnectedAt} exact />
        {install.disconnectedBy ? ` by ${disconnectedBy(install.disconnectedBy)}` : ""}
      </span>,
    ]);
  }
  rows.push(["Last token refresh", <When key="r" value={install.lastRefreshAt} now={now} none="never" />]);
  rows.push(["Last error", install.lastError ?? "None"]);
  return (
    <Panel title="Install" testId="install-metadata">
      <DescriptionList data={rows} />
    </Panel>
  );
}

function WebhookPanel({ detail }: { detail: Detail }) {
  const { install } = detail;
  const now = useNow();
  const health = install.webhookHealth;
  const rows: Array<[string, ReactNode]> = [
    ["Pending", install.webhooksPending.toLocaleString()],
    [
      "Dead letters",
      <span key="dead" className={install.webhooksDead > 0 ? "admin-failed" : undefined}>
        {install.webhooksDead.toLocaleString()}
      </span>,
    ],
    [
      "Delivery",
      health ? (
        <StatusLabel key="h" label={webhookHealth(health.status).label} status={webhookHealth(health.status).indicator} />
      ) : (
        "Not judged yet"
      ),
    ],
    ["Last received", <When key="lr" value={health?.lastReceivedAt} now={now} none="never" />],
  ];
  return (
    <Panel title="Webhook health" testId="install-webhooks">
      <DescriptionList data={rows} />
    </Panel>
  );
}

function ResourcesPanel({ install }: { install: InstallFieldsFragment }) {
  const now = useNow();
  return (
    <Panel title="Sync" className="panel--flush-x" testId="install-resources">
      <Text size="small" variation="subdued">
        {install.failingRuns > 0 ? `${count(install.failingRuns, "resource")} failing.` : "No resource is failing."}
      </Text>
      <div className="admin-table-scroll" role="region" aria-label="Sync per resource" tabIndex={0}>
        <table className="record-table admin-table">
          <caption className="visually-hidden">Sync per resource</caption>
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">State</th>
              <th scope="col">Last success</th>
              <th scope="col">Last full sync</th>
              <th scope="col" className="align-end">
                Failed attempts
              </th>
              <th scope="col">Next attempt</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {install.resources.map((r) => {
              const state = runState(r.state);
              return (
                <tr key={r.resource} data-testid={`resource-${r.resource}`}>
                  <th scope="row">{resourceName(r.resource)}</th>
                  <td className="nowrap">
                    <StatusLabel label={state.label} status={state.indicator} />
                  </td>
                  <td className="nowrap">
                    <When value={r.lastSuccessAt} now={now} none="never" />
                  </td>
                  <td className="nowrap">
                    <When value={r.lastFullSuccessAt} now={now} none="never" />
                  </td>
                  <td className="align-end">{r.failures.toLocaleString()}</td>
                  <td className="nowrap">
                    <When value={r.notBefore} now={now} past={false} />
                  </td>
                  <td>{r.error ?? <span className="admin-none">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

function EventsPanel({ detail }: { detail: Detail }) {
  const now = useNow();
  const events = detail.webhookEvents;
  return (
    <Panel title="Recent webhook events" className="panel--flush-x" testId="install-events">
      {events.length === 0 ? (
        <Text>No webhook events from Jobber yet.</Text>
      ) : (
        <div className="admin-table-scroll" role="region" aria-label="Recent webhook events" tabIndex={0}>
          <table className="record-table admin-table">
            <caption className="visually-hidden">Recent webhook events, newest first (metadata only)</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" className="align-end">
                  Attempts
                </th>
                <th scope="col">Processed</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => {
                const status = eventStatus(e.status);
                return (
                  <tr key={e.id}>
                    <td className="nowrap">
                      <When value={e.receivedAt} now={now} />
                    </td>
                    <td>
                      {topicName(e.topic)}
                      <code className="admin-id">{e.topic}</code>
                    </td>
                    <td className="nowrap">
                      <StatusLabel label={status.label} status={status.indicator} />
                    </td>
                    <td className="align-end">{e.attempts.toLocaleString()}</td>
                    <td className="nowrap">
                      <When value={e.processedAt} now={now} />
                    </td>
                    <td>{e.lastError ?? <span className="admin-none">—</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
