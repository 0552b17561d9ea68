import { Banner } from "@jobber/components/Banner";
import { Button } from "@jobber/components/Button";
import { useState } from "react";
import { Link, NavLink, Outlet } from "react-router-dom";

/** Every console page: a skip link, the header (name, sections, Sign out), the page. */
export function AdminLayout({
  onSignOut,
  signOutError,
}: {
  /** Absent when the console needs no sign-in (no ADMIN_TOKEN on a loopback address). */
  onSignOut?: () => Promise<void>;
  signOutError: string | null;
}) {
  const [signingOut, setSigningOut] = useState(false);
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header admin-header">
        <Link to="/" className="app-brand">
          <img src="/logo.svg" alt="" width={28} height={28} />
          <span>
            Fieldsync <span className="admin-brand-suffix">operator console</span>
          </span>
        </Link>
        <nav aria-label="Console" className="admin-nav">
          <NavLink to="/" end>
            Installs
          </NavLink>
          <NavLink to="/audit">Audit log</NavLink>
        </nav>
        {onSignOut && (
          <Button
            label="Sign out"
            type="tertiary"
            size="small"
            loading={signingOut}
            onClick={() => {
              setSigningOut(true);
              void onSignOut().finally(() => setSigningOut(false));
            }}
          />
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {signOutError && (
          <div className="page admin-page">
            <Banner type="error" dismissible={false}>
              {signOutError}
            </Banner>
          </div>
        )}
        <Outlet />
      </main>
    </div>
  );
}
