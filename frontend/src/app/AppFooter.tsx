import { useQuery } from "@apollo/client";
import { InlineLabel } from "@jobber/components/InlineLabel";
import { Text } from "@jobber/components/Text";
import { AppInfoDocument } from "../gql/graphql";

/** App version, and a badge when this instance talks to the built-in Jobber sandbox. */
export function AppFooter() {
  const { data } = useQuery(AppInfoDocument);
  const info = data?.appInfo;
  return (
    <footer className="app-footer">
      <Text size="small" variation="subdued">
        {info ? `Fieldsync v${info.version}` : "Fieldsync"}
      </Text>
      {info?.sandboxMode && (
        <InlineLabel color="orange" size="small">
          Sandbox
        </InlineLabel>
      )}
    </footer>
  );
}
