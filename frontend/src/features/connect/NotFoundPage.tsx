import { Button } from "@jobber/components/Button";
import { Content } from "@jobber/components/Content";
import { Page } from "@jobber/components/Page";
import { Text } from "@jobber/components/Text";
import { useNavigate } from "react-router-dom";

export function NotFoundPage() {
  const navigate = useNavigate();
  return (
    <Page title="Page not found" width="narrow">
      <Content>
        <Text>There's nothing at this address.</Text>
        <div className="button-row">
          <Button label="Go to Fieldsync" type="secondary" onClick={() => navigate("/")} />
        </div>
      </Content>
    </Page>
  );
}
