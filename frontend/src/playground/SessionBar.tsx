import { useCallback, useEffect, useState } from "react";
import { AUTH_START_URL } from "../app/navigation";
import { request } from "../app/request";
import {
  AppInfoDocument,
  ConnectionPresenceDocument,
  type AppInfoQuery,
  type ConnectionPresenceQuery,
} from "../gql-shell/graphql";

type Session =
  | { kind: "checking" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; app: AppInfoQuery["appInfo"]; presence: ConnectionPresenceQuery };

/**
 * The bar above GraphiQL: which account the playground's requests act for, or, without a
 * session, how to get one (most of the API answers only for a signed-in merchant). Checks again
 * when the window regains focus (after signing in in another tab).
 */
export function SessionBar() {
  const [session, setSession] = useState<Session>({ kind: "checking" });

  const check = useCallback(() => {
    Promise.all([request(AppInfoDocument), request(ConnectionPresenceDocument)]).then(
      ([info, presence]) => setSession({ kind: "ready", app: info.appInfo, presence }),
      (error: unknown) => setSession({ kind: "failed", message: error instanceof Error ? error.message : String(error) }),
    );
  }, []);

  useEffect(() => {
    check();
    window.addEventListener("focus", check);
    return () => window.removeEventListener("focus", check);
  }, [check]);

  return (
    <header className="playground-bar">
      <a className="playground-bar__home" href="/">
        <img src="/favicon.svg" alt="" width="20" height="20" />
        <span>{session.kind === "ready" ? session.app.appName : "Fieldsync"}</span>
      </a>
      <span className="playground-bar__title">GraphQL playground</span>
      <p className="playground-bar__session" role="status">
        <SessionText session={session} />
      </p>
    </header>
  );
}

function SessionText({ session }: { session: Session }) {
  switch (session.kind) {
    case "checking":
      return <>Checking your session…</>;
    case "failed":
      return <>Couldn't check your session ({session.message}).</>;
    case "ready": {
      const { connection, previousConnection } = session.presence;
      if (connection) {
        return (
          <>
            Signed in to <strong>{connection.account.name}</strong>: requests here read and change its data.
          </>
        );
      }
      const where = session.app.sandboxMode ? "through the sandbox" : "with Jobber";
      const action =
        previousConnection?.status === "CONNECTED" ? `Sign in to ${previousConnection.accountName}` : `Connect ${where}`;
      return (
        <>
          <strong>Not signed in</strong> — only <code>appInfo</code> answers.{" "}
          <a href={AUTH_START_URL}>{action}</a>, then come back to <code>/graphql</code>.
        </>
      );
    }
  }
}
