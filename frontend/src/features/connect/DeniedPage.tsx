import { Button } from "@jobber/components/Button";
import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Page } from "@jobber/components/Page";
import { Text } from "@jobber/components/Text";
import { AUTH_START_URL, useFullPageNavigate } from "../../app/navigation";

/** Route `/denied`: the merchant chose Deny on Jobber's consent screen. */
export function DeniedPage() {
  const navigate = useFullPageNavigate();
  return (
    <Page title="Nothing was connected" width="narrow">
      <Card>
        <Content>
          <Text>
            You chose Deny in Jobber, so Fieldsync didn't get access to your account and nothing
            was synced. If that was a mistake, you can try again.
          </Text>
          <div className="button-row">
            <Button label="Try again" type="primary" onClick={() => navigate(AUTH_START_URL)} />
          </div>
        </Content>
      </Card>
    </Page>
  );
}
