import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";

/** Type policies shared by the real client and the tests' MockedProvider. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      // Singletons without an id: merge successive polls instead of replacing them.
      Connection: { merge: true },
      AppInfo: { merge: true },
    },
  });
}

/**
 * The client for our own API. The session lives in a same-origin cookie set by the OAuth
 * callback, so requests must carry it.
 */
export function createApolloClient(): ApolloClient<unknown> {
  return new ApolloClient({
    link: new HttpLink({ uri: "/graphql", credentials: "same-origin" }),
    cache: createCache(),
  });
}
