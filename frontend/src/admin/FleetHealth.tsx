import { useQuery } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Glimmer } from "@jobber/components/Glimmer";
import { StatusLabel } from "@jobber/components/StatusLabel";
import { Text } from "@jobber/components/Text";
import type { ReactNode } from "react";
import { Panel } from "../features/shared/Panel";
import { FleetDocument, type FleetQuery } from "./gql/graphql";
import { formatExact, useNow, When } from "./time";
import { count, formatMs, installStatus, STATUS_FILTERS } from "./words";

type Fleet = FleetQuery["fleet"];

/**
 * The fleet at a glance, above the installs list: installs per status, the webhook inbox, webhook
 * acknowledgement latency, the sync backlog, the Jobber API version and, prominently, every
 * versioning warning Jobber has sent (Jobber silently upgrades a removed version: a warning is
 * the only notice an operator gets).
 */
export function FleetHealth({ pollInterval }: { pollInterval: number }) {
  const { data, previousData, loading, refetch } = useQuery(FleetDocument, {
    pollInterval,
    fetchPolicy: "cache-and-network",
  });
  const fleet = (data ?? previousData)?.fleet;

  if (!fleet && loading) {
    return (
      <Panel title="Fleet health">
        <div role="status" aria-busy="true">
          <span className="visually-hidden">Loading fleet health…</span>
          <div aria-hidden="true">
            <Glimmer.Text lines={2} />
          </div>
        </div>
      </Panel>
    );
  }
  if (!fleet) {
    return (
      <Banner type="error" dismissible={false} primaryAction={{ label: "Try again", onClick: () => void refetch() }}>
        The console couldn't load fleet health.
      </Banner>
    );
  }
  return (
    <>
      <VersioningWarnings fleet={fleet} />
      <Panel title="Fleet health" testId="fleet-health">
        <FleetFigures fleet={fleet} />
      </Panel>
    </>
  );
}

function VersioningWarnings({ fleet }: { fleet: Fleet }) {
  const warnings = fleet.versioningWarnings;
  if (warnings.length === 0) return null;
  return (
    <section className="admin-warnings" aria-label="Jobber API versioning warnings" data-testid="versioning-warnings">
      <Banner type="warning" dismissible={false}>
        <Text>
          <strong>
            {`Jobber sent ${count(warnings.length, "versioning warning")} for API version ${fleet.jobberApiVersion}.`}
          </strong>{" "}
          Jobber answers requests for a removed version with a newer one without failing them: update
          JOBBER_GRAPHQL_VERSION (and the app) before behaviour changes under you.
        </Text>
        <ul className="admin-warning-list">
          {warnings.map((w) => (
            <li key={`${w.message}|${w.servedVersion ?? ""}`}>
              <span className="admin-warning-message">{w.message}</span>
              <span className="admin-warning-meta">
                {w.servedVersion ? `Served version ${w.servedVersion} · ` : ""}
                {`first seen ${formatExact(w.firstSeenAt)} · last seen ${formatExact(w.lastSeenAt)}`}
              </span>
            </li>
          ))}
        </ul>
      </Banner>
    </section>
  );
}

function Figure({ label, value, detail, alarm }: { label: string; value: string; detail?: ReactNode; alarm?: boolean }) {
  return (
    <div className={`admin-figure${alarm ? " admin-figure--alarm" : ""}`}>
      <dt>{label}</dt>
      <dd>
        <span className="admin-figure-value">{value}</span>
        {detail && <span className="admin-figure-detail">{detail}</span>}
      </dd>
    </div>
  );
}

function FleetFigures({ fleet }: { fleet: Fleet }) {
  const now = useNow();
  const byStatus = new Map(fleet.installs.map((s) => [s.status as string, s.count]));
  // Every known status, zero included, then any the console doesn't know yet.
  const statuses = [
    ...STATUS_FILTERS.map((s) => s.value as string),
    ...fleet.installs.map((s) => s.status as string).filter((s) => !STATUS_FILTERS.some((f) => f.value === s)),
  ];
  const total = fleet.installs.reduce((sum, s) => sum + s.count, 0);
  const ack = fleet.webhookAck;
  return (
    <div className="admin-fleet">
      <div className="admin-fleet-installs">
        <Text size="small" variation="subdued">
          {count(total, "install")}
        </Text>
        <ul className="admin-status-counts" aria-label="Installs per status">
          {statuses.map((status) => (
            <li key={status}>
              <StatusLabel
                label={`${installStatus(status).label}: ${(byStatus.get(status) ?? 0).toLocaleString()}`}
                status={installStatus(status).indicator}
              />
            </li>
          ))}
        </ul>
      </div>
      <dl className="admin-figures">
        <Figure
          label="Inbox pending"
          value={fleet.inboxPending.toLocaleString()}
          detail={
            fleet.inboxOldestPendingAt ? (
              <>
                oldest <When value={fleet.inboxOldestPendingAt} now={now} />
              </>
            ) : (
              "none waiting"
            )
          }
        />
        <Figure label="Dead letters" value={fleet.inboxDead.toLocaleString()} alarm={fleet.inboxDead > 0} />
        <Figure
          label="Webhook ack p50 / p99"
          value={`${formatMs(ack.p50Ms)} / ${formatMs(ack.p99Ms)}`}
          detail={ack.samples > 0 ? `last ${count(ack.samples, "delivery", "deliveries")}` : "no deliveries yet"}
        />
        <Figure label="Syncs due" value={fleet.syncDue.toLocaleString()} />
        <Figure label="Syncs running" value={fleet.syncRunning.toLocaleString()} />
        <Figure label="Syncs failing" value={fleet.syncFailing.toLocaleString()} alarm={fleet.syncFailing > 0} />
        <Figure
          label="Jobber API version"
          value={fleet.jobberApiVersion}
          detail={
            fleet.versioningWarnings.length > 0
              ? count(fleet.versioningWarnings.length, "warning")
              : "no versioning warnings"
          }
          alarm={fleet.versioningWarnings.length > 0}
        />
      </dl>
    </div>
  );
}
