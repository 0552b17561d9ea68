import { Button } from "@jobber/components/Button";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Heading } from "@jobber/components/Heading";
import { Page } from "@jobber/components/Page";
import { Text } from "@jobber/components/Text";
import type { ReactNode } from "react";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";

/** The pitch and the way in: starts Jobber's OAuth consent through the backend. */
export function ConnectView({ notice }: { notice?: ReactNode }) {
  const navigate = useFullPageNavigate();
  return (
    <Page title="Fieldsync" width="narrow">
      <Content>
        {notice}
        <Card>
          <Content>
            <Heading level={2}>Keep Jobber and your tools in sync</Heading>
            <Text>
              Connect your Jobber account and we keep your clients, jobs and invoices up to date
              automatically. You can disconnect at any time.
            </Text>
            <div className="button-row">
              <Button
                label="Connect to Jobber"
                type="primary"
                icon="link"
                onClick={() => navigate(AUTH_START_URL)}
              />
            </div>
          </Content>
        </Card>
      </Content>
    </Page>
  );
}
