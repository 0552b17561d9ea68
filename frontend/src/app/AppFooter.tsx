import { useQuery } from "@apollo/client";
import { InlineLabel } from "@jobber/components/InlineLabel";
import { Text } from "@jobber/components/Text";
import { AppInfoDocument } from "../gql/graphql";

/**
 * App version, and a badge when this instance talks to the built-in Jobber sandbox.
 * Deliberately doesn't repeat the product name, so "Fieldsync" on a page means its heading.
 */
export function AppFooter() {
  const { data } = useQuery(AppInfoDocument);
  const info = data?.appInfo;
  return (
    <footer className="app-footer">
      {info && (
        <Text size="small" variation="subdued">
          {`Version ${info.version}`}
        </Text>
      )}
      {info?.sandboxMode && (
        <InlineLabel color="orange" size="small">
          Sandbox
        </InlineLabel>
      )}
    </footer>
  );
}
