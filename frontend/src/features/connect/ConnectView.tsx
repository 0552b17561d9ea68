import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import type { ReactNode } from "react";
import { useAppName } from "../../app/appInfo";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

/** The pitch and the way in: starts Jobber's OAuth consent through the backend. */
export function ConnectView({ notice }: { notice?: ReactNode }) {
  const navigate = useFullPageNavigate();
  const appName = useAppName();
  return (
    <PageLayout title={`Connect ${appName} to Jobber`} documentTitle="Connect to Jobber" width="narrow">
      {notice}
      <Panel>
        <p className="lead">
          {`${appName} keeps a copy of your Jobber clients, properties, jobs, quotes and invoices in sync, updated moments after each change in Jobber, so you can look them up and search them here on any device.`}
        </p>
        <ol className="steps">
          <li>
            <Text>Jobber asks you to allow access to your account.</Text>
          </li>
          <li>
            <Text>{`${appName} copies your records; most accounts take a few minutes.`}</Text>
          </li>
          <li>
            <Text>{`Disconnect at any time: ${appName} then deletes its copy. Nothing in Jobber changes.`}</Text>
          </li>
        </ol>
        <div className="button-row">
          <Button label="Connect to Jobber" type="primary" onClick={() => navigate(AUTH_START_URL)} />
        </div>
      </Panel>
    </PageLayout>
  );
}
