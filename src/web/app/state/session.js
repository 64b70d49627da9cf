// The session: the access and refresh tokens (in localStorage, shared by
// every tab of this browser), the signed-in person, and what happens when
// the session ends.
//
// Refresh tokens work once (rotation; presenting one twice signs the person
// out everywhere), and several tabs share one. So a refresh runs under a
// Web Lock: the first tab refreshes and stores the new pair; a tab that
// waited finds the stored token changed and adopts it instead of
// presenting the old one again.

import { signal } from "../vendor/signals.js";

const KEY = "synaps.session";
const REFRESH = `mutation RefreshSession($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken refreshToken expiresAt user { id } }
}`;

/** @typedef {{ accessToken: string, refreshToken: string, expiresAt: string, userId: string }} Tokens */

/** The tokens, or null when signed out. */
export const tokens = signal(/** @type {Tokens | null} */ (read()));
/** True when the session ended under the person's feet: the sign-in dialog
 * opens over the screen, which keeps what was typed. */
export const expired = signal(false);

/** @returns {Tokens | null} */
function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return value && typeof value.accessToken === "string" ? value : null;
  } catch {
    return null;
  }
}

/** @param {Tokens | null} value */
function write(value) {
  if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
  tokens.value = value;
}

export function accessToken() {
  return tokens.value?.accessToken ?? null;
}

/**
 * Stores a fresh pair from `login` or `refreshSession`.
 * @param {{ accessToken: string, refreshToken: string, expiresAt: string, user: { id: string } }} payload
 */
export function signedIn(payload) {
  write({
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    expiresAt: payload.expiresAt,
    userId: payload.user.id,
  });
  expired.value = false;
}

export function signedOut() {
  write(null);
  expired.value = false;
}

/** The session ended (refresh refused): ask to sign in again, keep the screen. */
export function sessionExpired() {
  write(null);
  expired.value = true;
}

/**
 * Exchanges the refresh token for a new pair, once across all tabs.
 * @returns {Promise<boolean>} whether a valid session is stored now
 */
export async function refreshSession() {
  const before = tokens.value?.refreshToken;
  if (!before) return false;
  const run = async () => {
    const stored = read();
    if (!stored) return false;
    if (stored.refreshToken !== before) {
      tokens.value = stored; // another tab refreshed while this one waited
      return true;
    }
    try {
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: REFRESH, variables: { input: { refreshToken: stored.refreshToken } } }),
      });
      const body = await response.json();
      if (body.data?.refreshSession) {
        signedIn(body.data.refreshSession);
        return true;
      }
      return false;
    } catch {
      return false;
    }
  };
  return navigator.locks ? navigator.locks.request("synaps.refresh", run) : run();
}

// Another tab signed in, refreshed or signed out.
addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  const now = read();
  if (!now && tokens.value) expired.value = false;
  tokens.value = now;
});
