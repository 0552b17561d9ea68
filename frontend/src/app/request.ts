//! The few GraphQL reads every page makes (app info, "is this browser connected?"), sent with
//! plain `fetch`. The Connect, Denied and error pages load without Apollo Client and its
//! dependencies (about 50 KB compressed), which only the Manage page needs. The documents are the
//! query strings codegen writes to src/gql-shell/ (typed like Apollo's).
import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { useCallback, useEffect, useState } from "react";

/** A generated query string with its result and variables types. */
export type QueryString<D, V> = DocumentTypeDecoration<D, V> & { toString(): string };

export const GRAPHQL_URL = "/graphql";

/** A failed GraphQL request; `codes` are the errors' `extensions.code` (e.g. UNAUTHENTICATED). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly codes: string[] = [],
  ) {
    super(message);
    this.name = "RequestError";
  }
}

export function operationName(document: { toString(): string }): string | undefined {
  return /\b(?:query|mutation)\s+([_A-Za-z]\w*)/.exec(document.toString())?.[1];
}

interface GraphQLResponse<D> {
  data?: D | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Sends one query to our API with the session cookie; throws `RequestError` on any error. */
export async function request<D, V extends Record<string, unknown>>(
  document: QueryString<D, V>,
  variables?: V,
): Promise<D> {
  const response = await fetch(GRAPHQL_URL, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      operationName: operationName(document),
      query: document.toString(),
      variables: variables ?? {},
    }),
  });
  let body: GraphQLResponse<D>;
  try {
    body = (await response.json()) as GraphQLResponse<D>;
  } catch {
    throw new RequestError(`HTTP ${response.status}`);
  }
  if (body.errors?.length) {
    throw new RequestError(
      body.errors.map((e) => e.message).join("; "),
      body.errors.flatMap((e) => (e.extensions?.code ? [e.extensions.code] : [])),
    );
  }
  if (!response.ok || !body.data) throw new RequestError(`HTTP ${response.status}`);
  return body.data;
}

export interface RequestState<D> {
  data: D | undefined;
  error: RequestError | undefined;
  loading: boolean;
  refetch(): void;
}

const shared = new Map<string, Promise<unknown>>();

/**
 * Runs `document` once when the component mounts. With `share`, every component (and every later
 * page of this visit) reuses the same answer: for facts that do not change during a visit.
 */
export function useRequest<D, V extends Record<string, unknown>>(
  document: QueryString<D, V>,
  { variables, share = false }: { variables?: V; share?: boolean } = {},
): RequestState<D> {
  const [state, setState] = useState<{ data?: D; error?: RequestError; loading: boolean }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  const key = `${operationName(document)}:${JSON.stringify(variables ?? {})}`;

  useEffect(() => {
    let live = true;
    let pending = share && attempt === 0 ? (shared.get(key) as Promise<D> | undefined) : undefined;
    if (!pending) {
      pending = request(document, variables);
      if (share) {
        shared.set(key, pending);
        // A failure is not remembered: the next page tries again.
        pending.catch(() => shared.delete(key));
      }
    }
    pending.then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          error: error instanceof RequestError ? error : new RequestError(String(error)),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
    // `variables` is compared through `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [document, key, share, attempt]);

  const refetch = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    setAttempt((a) => a + 1);
  }, []);
  return { ...state, data: state.data, error: state.error, refetch };
}

/** Forgets shared answers (tests start each case from nothing). */
export function clearSharedRequests(): void {
  shared.clear();
}
