import { ApolloProvider, type ApolloClient } from "@apollo/client";
import type { ReactNode } from "react";

export function AppProviders({
  client,
  children,
}: {
  client: ApolloClient<unknown>;
  children: ReactNode;
}) {
  return <ApolloProvider client={client}>{children}</ApolloProvider>;
}
