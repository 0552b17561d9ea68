import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { DescriptionList } from "@jobber/components/DescriptionList";
import { formatDateTime } from "../../app/format";
import type { ManageConnectionQuery } from "../../gql/graphql";

type Connection = NonNullable<ManageConnectionQuery["connection"]>;

function When({ value, otherwise }: { value: string | null; otherwise: string }) {
  return value ? <time dateTime={value}>{formatDateTime(value)}</time> : <>{otherwise}</>;
}

function connectedBy(user: Connection["connectedBy"]): string {
  if (!user) return "Unknown";
  if (user.name && user.email) return `${user.name} (${user.email})`;
  return user.name ?? user.email ?? "Unknown";
}

export function ConnectionDetailsCard({ connection }: { connection: Connection }) {
  return (
    <Card header="Connection details">
      <Content>
        <DescriptionList
        data={[
          ["Connected by", connectedBy(connection.connectedBy)],
          ["Connected at", <When key="at" value={connection.connectedAt} otherwise="Unknown" />],
          [
            "Token expires at",
            <When key="exp" value={connection.tokenExpiresAt} otherwise="Unknown" />,
          ],
          [
            "Last refresh",
            <When key="ref" value={connection.lastRefreshAt} otherwise="Not refreshed yet" />,
          ],
        ]}
      />
      </Content>
    </Card>
  );
}
