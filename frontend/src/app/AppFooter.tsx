import { useAppInfo } from "./appInfo";

/**
 * App version, and a badge when this instance talks to the built-in Jobber sandbox (so nobody
 * mistakes demo data for their own). The badge is our own class rather than Atlantis' small
 * InlineLabel, whose 10 px orange text fails WCAG contrast (3.96:1).
 */
export function AppFooter() {
  const info = useAppInfo();
  return (
    <footer className="app-footer">
      {info && <span className="app-footer-text">{`${info.appName} ${info.version}`}</span>}
      {info?.sandboxMode && (
        <span className="sandbox-badge" title="This instance uses a built-in stand-in for Jobber with sample data">
          Sandbox
        </span>
      )}
    </footer>
  );
}
