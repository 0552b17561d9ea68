//! The console's session with the admin listener: `GET /admin/session` says whether a sign-in is
//! needed, `POST /admin/session` exchanges the operator's token for a short-lived HttpOnly cookie
//! (the token itself is never stored by the page), `POST /admin/logout` ends it. Plain `fetch`:
//! these are not GraphQL, and the cookie rides along on the same origin.

export interface AdminSession {
  signedIn: boolean;
  /** False when the operator configured no ADMIN_TOKEN on a loopback address: no sign-in at all. */
  tokenRequired: boolean;
}

export const SESSION_URL = "/admin/session";
export const LOGOUT_URL = "/admin/logout";
export const GRAPHQL_URL = "/admin/graphql";

/** Where the console stands; throws when the admin listener can't be reached or answers oddly. */
export async function readSession(): Promise<AdminSession> {
  const response = await fetch(SESSION_URL, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${SESSION_URL}: HTTP ${response.status}`);
  const body = (await response.json()) as Partial<AdminSession>;
  return { signedIn: body.signedIn === true, tokenRequired: body.tokenRequired !== false };
}

export type SignInResult = { ok: true } | { ok: false; message: string };

/** The server's `{"error": "..."}`, if it sent one. */
async function serverError(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: unknown };
    return typeof body.error === "string" && body.error.trim() ? body.error : null;
  } catch {
    return null;
  }
}

/** "in 30 seconds" from a Retry-After of seconds; null when absent or a date. */
function retryAfter(response: Response): string | null {
  const seconds = Number(response.headers.get("retry-after"));
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** Exchanges the token for a session cookie. Every failure comes back as a sentence to show. */
export async function signIn(token: string): Promise<SignInResult> {
  let response: Response;
  try {
    response = await fetch(SESSION_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ token }),
    });
  } catch {
    return { ok: false, message: "The console couldn't reach the server. Check that the app is running and try again." };
  }
  if (response.ok) {
    // The cookie is HttpOnly: ask whether the browser kept it. A production server marks it
    // Secure, which a browser drops on plain http to anything but localhost.
    const kept = await readSession().then((s) => s.signedIn, () => true);
    if (kept) return { ok: true };
    return {
      ok: false,
      message:
        "The token was accepted, but this browser didn't keep the session cookie. Open the console over https, or through localhost (e.g. an SSH tunnel), and sign in again.",
    };
  }
  // The server's own sentence when it sends one ("That is not the ADMIN_TOKEN."), else ours.
  const detail = await serverError(response);
  if (response.status === 401) {
    return { ok: false, message: detail ?? "That token was not accepted. Check ADMIN_TOKEN and try again." };
  }
  if (response.status === 429) {
    const wait = retryAfter(response);
    return {
      ok: false,
      message: wait
        ? `Too many sign-in attempts. Wait ${wait} and try again.`
        : (detail ?? "Too many sign-in attempts. Wait a minute and try again."),
    };
  }
  return { ok: false, message: `Signing in failed (HTTP ${response.status})${detail ? `: ${detail}` : "."} Try again.` };
}

/** Ends the session (the server clears the cookie). */
export async function signOut(): Promise<void> {
  const response = await fetch(LOGOUT_URL, { method: "POST", credentials: "same-origin" });
  if (!response.ok) throw new Error(`POST ${LOGOUT_URL}: HTTP ${response.status}`);
}
