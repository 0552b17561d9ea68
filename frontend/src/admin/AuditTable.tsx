import { Link } from "react-router-dom";
import type { AuditEntryFieldsFragment } from "./gql/graphql";
import { installPath } from "./routes";
import { When } from "./time";
import { actorName, auditKind } from "./words";

/**
 * Audit entries, newest first: when (exact, to the second), what, who (the actor, and the person
 * where there is one) and the detail. `showAccount` adds the account (the fleet-wide log).
 */
export function AuditTable({
  entries,
  showAccount,
  label,
}: {
  entries: AuditEntryFieldsFragment[];
  showAccount: boolean;
  label: string;
}) {
  return (
    <div className="admin-table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className="record-table admin-table">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            {showAccount && <th scope="col">Account</th>}
            <th scope="col">What</th>
            <th scope="col">Who</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-testid="audit-entry" data-kind={entry.kind} data-actor={entry.actor}>
              <td className="nowrap">
                <When value={entry.at} exact />
              </td>
              {showAccount && (
                <td>
                  {entry.jobberAccountId ? (
                    <>
                      <Link to={installPath(entry.jobberAccountId)}>{entry.accountName ?? entry.jobberAccountId}</Link>
                      <code className="admin-id">{entry.jobberAccountId}</code>
                    </>
                  ) : (
                    <span className="admin-subtle">Whole fleet</span>
                  )}
                </td>
              )}
              <td className="nowrap">{auditKind(entry.kind).label}</td>
              <td>
                {actorName(entry.actor)}
                {entry.actorName && <span className="admin-subtle admin-block">{entry.actorName}</span>}
              </td>
              <td>{entry.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
