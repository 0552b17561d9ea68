import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { useNavigate } from "react-router-dom";
import { useAppName } from "../../app/appInfo";
import { PageLayout } from "../shared/PageLayout";
import { Panel } from "../shared/Panel";

export function NotFoundPage() {
  const navigate = useNavigate();
  const appName = useAppName();
  return (
    <PageLayout title="Page not found" width="narrow">
      <Panel>
        <Text>There's nothing at this address. It may have moved, or the link may be incomplete.</Text>
        <div className="button-row">
          <Button label={`Go to ${appName}`} type="primary" onClick={() => navigate("/")} />
        </div>
      </Panel>
    </PageLayout>
  );
}
