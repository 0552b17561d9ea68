import type { ReactNode } from "react";
import type { PreviousConnectionFieldsFragment } from "../../gql/graphql";
import { ConnectView } from "./ConnectView";
import { DisconnectedView } from "./DisconnectedView";
import { SignedOutView } from "./SignedOutView";

/**
 * A browser without a session: signed out of a live connection (sign in), a connection that
 * ended (say what happened), or a first visit (the pitch).
 */
export function NoSessionView({
  previous,
  notice,
}: {
  previous: PreviousConnectionFieldsFragment | null | undefined;
  notice?: ReactNode;
}) {
  if (previous?.status === "DISCONNECTED") return <DisconnectedView previous={previous} />;
  if (previous) return <SignedOutView previous={previous} />;
  return <ConnectView notice={notice} />;
}
