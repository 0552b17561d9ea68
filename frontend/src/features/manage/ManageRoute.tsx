import { ApolloProvider, getApolloContext, type ApolloClient } from "@apollo/client";
import { useContext, useState } from "react";
import { createApolloClient } from "../../app/apollo";
import { ManagePage } from "./ManagePage";

let client: ApolloClient<unknown> | undefined;

/**
 * Route `/manage`, loaded as its own chunk with Apollo Client: the only page with live data.
 * Uses the Apollo client already provided (tests' MockedProvider), else creates the app's one.
 */
export default function ManageRoute() {
  const provided = useContext(getApolloContext()).client;
  const [own] = useState(() => (provided ? undefined : (client ??= createApolloClient())));
  if (!own) return <ManagePage />;
  return (
    <ApolloProvider client={own}>
      <ManagePage />
    </ApolloProvider>
  );
}
