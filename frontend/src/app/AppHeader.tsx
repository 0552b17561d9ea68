import { Link } from "react-router-dom";
import { useAppInfo, DEFAULT_APP_NAME } from "./appInfo";

/**
 * The app's name and logo (home link), and the deployment's help and privacy pages. A link whose
 * URL is not configured (SUPPORT_URL / PRIVACY_URL unset) is left out rather than pointing nowhere.
 */
export function AppHeader() {
  const info = useAppInfo();
  const name = info?.appName ?? DEFAULT_APP_NAME;
  return (
    <header className="app-header">
      <Link to="/" className="app-brand">
        <img src="/logo.svg" alt="" width={28} height={28} />
        <span>{name}</span>
      </Link>
      {(info?.supportUrl || info?.privacyUrl) && (
        <nav aria-label="Help" className="app-links">
          {info.supportUrl && <a href={info.supportUrl}>Help &amp; support</a>}
          {info.privacyUrl && <a href={info.privacyUrl}>Privacy</a>}
        </nav>
      )}
    </header>
  );
}
