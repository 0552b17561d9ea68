import { LazyBanner as Banner } from "../shared/LazyBanner";
import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { useAppName } from "../../app/appInfo";
import { formatDayAndTime } from "../../app/format";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import type { DisconnectMutation, PreviousConnectionFieldsFragment } from "../../gql/graphql";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

export type DisconnectOutcome = DisconnectMutation["disconnect"];

/** What happened, once, in one sentence: who ended the connection and when. */
export function disconnectSentence(
  previous: Pick<PreviousConnectionFieldsFragment, "accountName" | "disconnectedAt" | "disconnectedBy"> | null,
  appName: string,
  now?: Date,
): string {
  const account = previous ? `${previous.accountName}'s Jobber account` : "Your Jobber account";
  const when = previous?.disconnectedAt ? ` on ${formatDayAndTime(previous.disconnectedAt, { now })}` : "";
  switch (previous?.disconnectedBy) {
    case "MERCHANT":
      return `You disconnected ${appName} from ${account}${when}.`;
    case "JOBBER":
      return `${account} was disconnected from ${appName} in Jobber (App Marketplace)${when}.`;
    case "OPERATOR":
      return `${appName} support disconnected ${account}${when}.`;
    default:
      return `${account} was disconnected from ${appName}${when}.`;
  }
}

/**
 * The connection has ended: after our own Disconnect (`outcome` set), after a disconnect in
 * Jobber noticed while the page was open, or on a later visit (from `previousConnection`).
 */
export function DisconnectedView({
  previous,
  outcome = null,
}: {
  previous: PreviousConnectionFieldsFragment | null;
  outcome?: DisconnectOutcome | null;
}) {
  const navigate = useFullPageNavigate();
  const appName = useAppName();
  return (
    <PageLayout title="Disconnected from Jobber" width="narrow">
      {outcome && !outcome.jobberConfirmed && (
        <Banner type="warning" dismissible={false}>
          {`Jobber couldn't be reached to confirm, but ${appName} deleted its copy of your data and its access. You can also remove the app in Jobber's App Marketplace.`}
        </Banner>
      )}
      <Panel>
        <div role="status">
          <p className="lead">{disconnectSentence(previous, appName)}</p>
        </div>
        <Text variation="subdued">
          {`${appName} deleted its copy of your Jobber data and can no longer reach your account. Nothing in Jobber was changed.`}
        </Text>
        <div className="button-row">
          <Button label="Connect again" type="primary" onClick={() => navigate(AUTH_START_URL)} />
        </div>
      </Panel>
    </PageLayout>
  );
}
