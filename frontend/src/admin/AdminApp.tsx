import { ApolloProvider, getApolloContext, type ApolloClient } from "@apollo/client";
import { Banner } from "@jobber/components/Banner";
import { useContext, useEffect, useState } from "react";
import { Route, Routes } from "react-router-dom";
import { PageLoading } from "../features/shared/PageLoading";
import { adminClient, onSessionEnded } from "./apollo";
import { AdminLayout } from "./AdminLayout";
import { AuditPage } from "./AuditPage";
import { InstallPage } from "./InstallPage";
import { InstallsPage } from "./InstallsPage";
import { NotFoundPage } from "./NotFoundPage";
import { readSession, signOut, type AdminSession } from "./session";
import { SignInPage } from "./SignInPage";

type State =
  | { kind: "loading" }
  | { kind: "unreachable" }
  | { kind: "ready"; session: AdminSession; notice: string | null };

export interface AdminAppProps {
  /** How often the pages re-read their data (ms); 0 turns polling off (tests). */
  pollInterval?: number;
}

/**
 * The console: asks the server whether a sign-in is needed, shows the sign-in form until there is
 * a session, then the pages. A 401 from the admin API (the session expired) brings the form back.
 * Uses the Apollo client already provided (tests' MockedProvider), else creates its own.
 */
export function AdminApp({ pollInterval = 10_000 }: AdminAppProps) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [signOutError, setSignOutError] = useState<string | null>(null);

  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    readSession().then(
      (session) => current && setState({ kind: "ready", session, notice: null }),
      () => current && setState({ kind: "unreachable" }),
    );
    return () => {
      current = false;
    };
  }, [attempt]);
  const retry = () => {
    setState({ kind: "loading" });
    setAttempt((n) => n + 1);
  };

  // A 401 from the admin API: the short-lived session ended (see apollo.ts).
  useEffect(
    () =>
      onSessionEnded(() =>
        setState((current) =>
          current.kind === "ready" && current.session.tokenRequired && current.session.signedIn
            ? {
                kind: "ready",
                session: { ...current.session, signedIn: false },
                notice: "Your console session ended. Sign in again to continue.",
              }
            : current,
        ),
      ),
    [],
  );

  const provided = useContext(getApolloContext()).client;
  const own = provided ? undefined : adminClient();
  const client = (own ?? provided) as ApolloClient<unknown>;

  if (state.kind === "loading") return <PageLoading label="Loading the operator console" />;
  if (state.kind === "unreachable") {
    return (
      <div className="page admin-page">
        <Banner
          type="error"
          dismissible={false}
          primaryAction={{ label: "Try again", onClick: retry }}
        >
          The console couldn't reach the server. Check that the app is running and try again.
        </Banner>
      </div>
    );
  }

  const { session, notice } = state;
  if (session.tokenRequired && !session.signedIn) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={() => {
          setSignOutError(null);
          setState({ kind: "ready", session: { ...session, signedIn: true }, notice: null });
        }}
      />
    );
  }

  const handleSignOut = async () => {
    try {
      await signOut();
    } catch {
      setSignOutError("Signing out failed. Try again, or close the browser to end the session.");
      return;
    }
    setSignOutError(null);
    // Nothing read under the session stays in memory once it has ended.
    await client.clearStore().catch(() => undefined);
    setState({ kind: "ready", session: { ...session, signedIn: false }, notice: "You signed out." });
  };

  const pages = (
    <Routes>
      <Route
        element={
          <AdminLayout
            onSignOut={session.tokenRequired ? handleSignOut : undefined}
            signOutError={signOutError}
          />
        }
      >
        <Route index element={<InstallsPage pollInterval={pollInterval} />} />
        <Route path="installs/:jobberAccountId" element={<InstallPage pollInterval={pollInterval} />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
  return own ? <ApolloProvider client={own}>{pages}</ApolloProvider> : pages;
}
