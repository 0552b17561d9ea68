import { useMutation, type ApolloError } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { lazy, Suspense, useState } from "react";
import { Panel } from "../features/shared/Panel";
import {
  DisconnectInstallDocument,
  RedriveInstallDocument,
  SyncInstallDocument,
  type InstallFieldsFragment,
} from "./gql/graphql";
import { count } from "./words";

type Action = "sync" | "fullSync" | "redrive" | "disconnect";

// Fetched when the operator reaches for an action (pointer or focus), before the click.
const loadDialog = () => import("./ConfirmDialog");
const ConfirmDialog = lazy(loadDialog);

interface Confirmation {
  title: string;
  message: string;
  confirmLabel: string;
  destructive?: boolean;
}

function confirmation(action: Action, install: InstallFieldsFragment): Confirmation {
  switch (action) {
    case "sync":
      return {
        title: `Sync ${install.name} now?`,
        message:
          "Fieldsync queues a sync of every resource now, reading only what changed in Jobber since the last run.",
        confirmLabel: "Sync now",
      };
    case "fullSync":
      return {
        title: `Resync all of ${install.name}?`,
        message:
          "Fieldsync queues a full sync of every resource: it reads every record from Jobber again and removes local copies of records deleted there. It takes longer and uses more of the account's Jobber API budget than Sync now.",
        confirmLabel: "Full resync",
      };
    case "redrive":
      return {
        title: `Redrive ${count(install.webhooksDead, "dead letter")}?`,
        message: `Fieldsync queues ${install.name}'s ${count(install.webhooksDead, "dead-lettered webhook event")} again; they are processed like new deliveries and retried if they fail.`,
        confirmLabel: "Redrive",
      };
    case "disconnect":
      return {
        title: `Disconnect ${install.name}?`,
        message:
          "Fieldsync calls Jobber's appDisconnect for this account, so the app is removed from it in Jobber, then clears its local connection, tokens and synced data, even if Jobber can't be reached. The merchant has to connect again to use Fieldsync. The audit log records it as done by an operator.",
        confirmLabel: "Disconnect",
        destructive: true,
      };
  }
}

function failure(error: unknown): string {
  const apollo = error as Partial<ApolloError>;
  const message = apollo.graphQLErrors?.[0]?.message ?? (error instanceof Error ? error.message : null);
  return `That didn't work${message ? `: ${message}` : "."}`;
}

/**
 * The operator's actions on one install, each behind a confirmation dialog: Sync now, Full
 * resync, Redrive dead letters (only when there are some), Disconnect. The server's message is
 * shown after each; the page's data is read again.
 */
export function InstallActions({ install, refetchQueries }: { install: InstallFieldsFragment; refetchQueries: string[] }) {
  const [pending, setPending] = useState<Action | null>(null);
  const [running, setRunning] = useState<Action | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const options = { refetchQueries, awaitRefetchQueries: true };
  const [syncNow] = useMutation(SyncInstallDocument, options);
  const [redrive] = useMutation(RedriveInstallDocument, options);
  const [disconnect] = useMutation(DisconnectInstallDocument, options);

  const id = install.jobberAccountId;
  const live = install.status !== "DISCONNECTED";

  const run = async (action: Action) => {
    setPending(null);
    setRunning(action);
    setOutcome(null);
    try {
      let message: string | undefined;
      if (action === "sync" || action === "fullSync") {
        message = (await syncNow({ variables: { jobberAccountId: id, full: action === "fullSync" } })).data?.syncNow
          .message;
      } else if (action === "redrive") {
        message = (await redrive({ variables: { jobberAccountId: id } })).data?.redrive.message;
      } else {
        message = (await disconnect({ variables: { jobberAccountId: id } })).data?.disconnect.message;
      }
      setOutcome({ ok: true, message: message ?? "Done." });
    } catch (error) {
      setOutcome({ ok: false, message: failure(error) });
    } finally {
      setRunning(null);
    }
  };

  const button = (action: Action, label: string, extra: { disabled?: boolean; destructive?: boolean } = {}) => (
    <Button
      label={label}
      type="secondary"
      size="small"
      variation={extra.destructive ? "destructive" : "work"}
      loading={running === action}
      disabled={running !== null || extra.disabled}
      onClick={() => setPending(action)}
    />
  );

  const dialog = pending ? confirmation(pending, install) : null;
  return (
    <Panel title="Actions" testId="install-actions">
      <div aria-live="polite" className="admin-outcome" data-testid="action-outcome">
        {outcome && (
          <Banner type={outcome.ok ? "success" : "error"} dismissible onDismiss={() => setOutcome(null)}>
            {outcome.message}
          </Banner>
        )}
      </div>
      <div className="button-row" onPointerEnter={() => void loadDialog()} onFocus={() => void loadDialog()}>
        {button("sync", "Sync now", { disabled: !live })}
        {button("fullSync", "Full resync", { disabled: !live })}
        {button("redrive", "Redrive dead letters", { disabled: install.webhooksDead === 0 })}
        {button("disconnect", "Disconnect", { disabled: !live, destructive: true })}
      </div>
      <Text size="small" variation="subdued">
        {live
          ? `Every action asks for a confirmation and is recorded in the audit log. ${
              install.webhooksDead === 0 ? "No dead letters to redrive." : `${count(install.webhooksDead, "dead letter")} to redrive.`
            }`
          : "This install is disconnected: it can't be synced or disconnected until the merchant connects again."}
      </Text>
      {dialog && pending && (
        <Suspense fallback={null}>
          <ConfirmDialog {...dialog} onConfirm={() => void run(pending)} onCancel={() => setPending(null)} />
        </Suspense>
      )}
    </Panel>
  );
}
