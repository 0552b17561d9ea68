import { ApolloClient, from, HttpLink, InMemoryCache } from "@apollo/client";
import { onError } from "@apollo/client/link/error";
import type { AuditPage } from "./gql/graphql";
import { GRAPHQL_URL } from "./session";

/** Type policies shared by the console's client and the tests' MockedProvider. */
export function createAdminCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Install: { keyFields: ["jobberAccountId"] },
      // Objects without an id of their own: merge successive answers instead of replacing them.
      InstallDetail: { merge: true },
      FleetHealth: { merge: true },
      Query: {
        fields: {
          // "Load older" appends the next page; a first page (no `after`) starts over.
          audit: {
            keyArgs: ["jobberAccountId", "since"],
            merge(existing: AuditPage | undefined, incoming: AuditPage, { args }) {
              if (!existing || !args?.["after"]) return incoming;
              return { ...incoming, entries: [...existing.entries, ...incoming.entries] };
            },
          },
        },
      },
    },
  });
}

/** Whether an Apollo network error is the admin API's HTTP 401 (no session, or it expired). */
export function isUnauthorized(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: unknown }).statusCode === 401;
}

const sessionEnded = new EventTarget();

/** Calls `listener` whenever the admin API answers 401; returns the unsubscribe function. */
export function onSessionEnded(listener: () => void): () => void {
  sessionEnded.addEventListener("ended", listener);
  return () => sessionEnded.removeEventListener("ended", listener);
}

/**
 * A client for the admin API on this (admin) origin; the session cookie rides along. A 401 (or an
 * `UNAUTHENTICATED` error) means the short-lived session ended: `onSessionEnded` listeners send
 * the operator back to sign in.
 */
export function createAdminClient(): ApolloClient<unknown> {
  const signedOut = onError(({ networkError, graphQLErrors }) => {
    const unauthenticated = graphQLErrors?.some((e) => e.extensions?.["code"] === "UNAUTHENTICATED");
    if (isUnauthorized(networkError) || unauthenticated) sessionEnded.dispatchEvent(new Event("ended"));
  });
  const http = new HttpLink({ uri: GRAPHQL_URL, credentials: "same-origin" });
  return new ApolloClient({ link: from([signedOut, http]), cache: createAdminCache() });
}

let client: ApolloClient<unknown> | undefined;

/** The console's one client, created on first use. */
export function adminClient(): ApolloClient<unknown> {
  return (client ??= createAdminClient());
}
