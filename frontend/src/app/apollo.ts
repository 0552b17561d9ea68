import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable, split, type FetchResult } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import { takePreloaded } from "./preload";

/** Answers an operation the entry chunk already asked for (src/app/preload.ts) from that answer. */
export const preloadedLink = new ApolloLink((operation, forward) => {
  const answer = takePreloaded(operation.operationName, operation.variables);
  if (!answer) return forward(operation);
  return new Observable<FetchResult>((observer) => {
    answer.then(
      (result) => {
        observer.next(result as FetchResult);
        observer.complete();
      },
      // The preload failed: ask the network after all.
      () => forward(operation).subscribe(observer),
    );
  });
});

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

/** `ws(s)://<this host>/graphql/ws`: the browser sends the session cookie with the upgrade. */
function subscriptionUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/graphql/ws`;
}

/**
 * The client for our own API. The session lives in a same-origin cookie set by the OAuth
 * callback, so requests must carry it. Subscriptions (live sync progress) use graphql-ws over
 * `/graphql/ws`, opened lazily on the first subscription and retried when it drops.
 */
export function createApolloClient(): ApolloClient<unknown> {
  const http = new HttpLink({ uri: "/graphql", credentials: "same-origin" });
  const ws = new GraphQLWsLink(createClient({ url: subscriptionUrl(), lazy: true, retryAttempts: Infinity }));
  const link = split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === "OperationDefinition" && def.operation === "subscription";
    },
    ws,
    http,
  );
  return new ApolloClient({ link: preloadedLink.concat(link), cache: createCache() });
}
