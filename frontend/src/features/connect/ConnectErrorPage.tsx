import { LazyBanner as Banner } from "../shared/LazyBanner";
import { Button } from "@jobber/components/Button";
import { useSearchParams } from "react-router-dom";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

/** What went wrong, per `reason` the OAuth callback put in the URL. */
export function connectErrorMessage(reason: string | null): string {
  switch (reason) {
    case "invalid_code":
      return "The link from Jobber expired or was already used. Start again to get a fresh one.";
    case "jobber_unavailable":
      return "Jobber isn't responding right now. Please wait a moment and try again.";
    default:
      return "Something went wrong while connecting your account. Please try again.";
  }
}

/** Route `/connect-error?reason=…`: the OAuth callback failed. */
export function ConnectErrorPage() {
  const [params] = useSearchParams();
  const navigate = useFullPageNavigate();
  return (
    <PageLayout title="We couldn't connect to Jobber" width="narrow">
      <Panel>
        <Banner type="error" dismissible={false}>
          {connectErrorMessage(params.get("reason"))}
        </Banner>
        <div className="button-row">
          <Button label="Try again" type="primary" onClick={() => navigate(AUTH_START_URL)} />
        </div>
      </Panel>
    </PageLayout>
  );
}
