//! The console's client routes, under the admin listener's `/admin` (the server answers every
//! `GET /admin/<route>` with admin.html, except its own `/admin/graphql`, `/admin/session` and
//! `/admin/logout`).

export const ADMIN_BASE = "/admin";

/** Inside the router (relative to `/admin`). */
export const installPath = (jobberAccountId: string) => `/installs/${encodeURIComponent(jobberAccountId)}`;
export const auditPath = (jobberAccountId?: string | null) =>
  jobberAccountId ? `/audit?${new URLSearchParams({ account: jobberAccountId })}` : "/audit";
