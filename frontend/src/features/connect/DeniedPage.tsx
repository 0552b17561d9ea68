import { Button } from "@jobber/components/Button";
import { useAppName } from "../../app/appInfo";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

/** Route `/denied`: the merchant chose Deny on Jobber's consent screen. */
export function DeniedPage() {
  const navigate = useFullPageNavigate();
  const appName = useAppName();
  return (
    <PageLayout title="Nothing was connected" width="narrow">
      <Panel>
        <p className="lead">
          {`You chose Deny in Jobber, so ${appName} didn't get access to your account and nothing was synced. If that was a mistake, you can try again.`}
        </p>
        <div className="button-row">
          <Button label="Try again" type="primary" onClick={() => navigate(AUTH_START_URL)} />
        </div>
      </Panel>
    </PageLayout>
  );
}
