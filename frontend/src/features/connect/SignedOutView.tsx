import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { useAppName } from "../../app/appInfo";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import type { PreviousConnectionFieldsFragment } from "../../gql/graphql";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

/**
 * No session, but the connection this browser last used is still live (e.g. after Log out, or
 * Jobber's Manage App button after the session expired): sign in, nothing needs reconnecting.
 */
export function SignedOutView({ previous }: { previous: PreviousConnectionFieldsFragment }) {
  const navigate = useFullPageNavigate();
  const appName = useAppName();
  return (
    <PageLayout title="You're signed out" width="narrow">
      <Panel>
        <p className="lead">{`${previous.accountName} is still connected to ${appName}, and its data keeps syncing.`}</p>
        <Text variation="subdued">Sign in with your Jobber account to see it.</Text>
        <div className="button-row">
          <Button label="Sign in with Jobber" type="primary" onClick={() => navigate(AUTH_START_URL)} />
        </div>
      </Panel>
    </PageLayout>
  );
}
