//! How the playground talks to the API: queries and mutations as JSON POSTs to `/graphql` on this
//! origin with the browser's session cookie, subscriptions over `/graphql/ws` (graphql-transport-ws,
//! the protocol the SPA's Apollo client uses too).
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { createClient } from "graphql-ws";
import { GRAPHQL_URL } from "../app/request";

/** `ws://host/graphql/ws`, or `wss://` when the page came over HTTPS. */
export function subscriptionUrl(location: Pick<Location, "protocol" | "host">): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${GRAPHQL_URL}/ws`;
}

export function playgroundFetcher(location: Pick<Location, "protocol" | "host"> = window.location): Fetcher {
  return createGraphiQLFetcher({
    url: GRAPHQL_URL,
    // Plain JSON answers (the API does not stream multipart responses).
    enableIncrementalDelivery: false,
    fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
    headers: { accept: "application/json" },
    // One socket for every subscription, opened on the first and closed when none is left.
    wsClient: createClient({ url: subscriptionUrl(location), lazy: true }),
  });
}
