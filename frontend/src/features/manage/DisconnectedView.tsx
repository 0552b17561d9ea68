import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Page } from "@jobber/components/Page";
import { Text } from "@jobber/components/Text";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import type { DisconnectMutation } from "../../gql/graphql";

export type DisconnectOutcome = DisconnectMutation["disconnect"];

/**
 * Shown after our `disconnect` mutation succeeds (`outcome` set) or when polling finds the
 * connection gone, e.g. after the merchant removed the app in Jobber's App Marketplace.
 */
export function DisconnectedView({ outcome }: { outcome: DisconnectOutcome | null }) {
  const navigate = useFullPageNavigate();
  return (
    <Page title="Disconnected from Jobber" width="narrow">
      <Content>
        {outcome && !outcome.jobberConfirmed && (
          <Banner type="warning" dismissible={false}>
            Jobber couldn't be reached to confirm the disconnect, but Fieldsync removed your
            tokens and synced data. You can also remove the app from Jobber's App Marketplace.
          </Banner>
        )}
        <Card>
          <Content>
            <div role="status">
              <Text>
                {outcome?.message ??
                  (outcome
                    ? "Fieldsync is no longer connected to your Jobber account."
                    : "Your Jobber account was disconnected from Fieldsync, for example from Jobber's App Marketplace.")}
              </Text>
            </div>
            <Text variation="subdued">
              Your Jobber tokens and the data Fieldsync synced were removed. Nothing in Jobber was
              changed.
            </Text>
            <div className="button-row">
              <Button label="Connect again" type="primary" onClick={() => navigate(AUTH_START_URL)} />
            </div>
          </Content>
        </Card>
      </Content>
    </Page>
  );
}
