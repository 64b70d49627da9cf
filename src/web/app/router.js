// Client-side routes: the address bar is the state of what is open, so a
// reload, a shared link or the back button lands on the same screen. The
// server answers every path below with the client's page
// (src/http/client.rs, CLIENT_ROUTES).
//
//   /                     home
//   /channels             browse and create channels
//   /c/:slug              a conversation; ?m=<id> jumps to a message,
//   /c/:slug/t/:id        with a thread open beside it
//   /directory            departments and people
//   /departments/:slug    a department, its synapses and channels
//   /people/:handle       a person
//   /notifications        the notifications panel as a page
//   /search?q=…           search (&kind=, &channel=, &from=, &to=)
//   /round, /posts, /review, /analytics   the weekly round, guest posts,
//                         the comms team's review queue, the synapses

import { signal } from "./vendor/signals.js";

/** @typedef {{ path: string, query: URLSearchParams }} Route */

function current() {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export const route = signal(/** @type {Route} */ (current()));

/**
 * @param {string} to  a path with optional query
 * @param {{ replace?: boolean }} [options]
 */
export function navigate(to, options = {}) {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  route.value = current();
}

/**
 * Where a message is read: its channel scrolled to it, or for a reply its
 * thread open beside the channel.
 * @param {{ id: string, channel: { slug: string }, parent?: { id: string } | null }} m
 */
export function messageHref(m) {
  return m.parent
    ? `/c/${m.channel.slug}/t/${m.parent.id}?m=${m.id}`
    : `/c/${m.channel.slug}?m=${m.id}`;
}

/**
 * Matches `path` against a pattern such as `/c/:slug/t/:id`.
 * @param {string} pattern
 * @param {string} path
 * @returns {Record<string, string> | null}
 */
export function match(pattern, path) {
  const want = pattern.split("/");
  const have = path.replace(/\/$/, "").split("/");
  if (want.length !== have.length && !(pattern === "/" && path === "/")) return null;
  /** @type {Record<string, string>} */
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i] ?? "");
    else if (want[i] !== (have[i] ?? "")) return null;
  }
  return params;
}

addEventListener("popstate", () => { route.value = current(); });

// Links inside the client navigate without reloading the page; the public
// blog, GraphiQL and links opened in a new tab load normally.
addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = /** @type {HTMLElement} */ (event.target).closest?.("a[href]");
  if (!(anchor instanceof HTMLAnchorElement) || anchor.target || anchor.origin !== location.origin) return;
  if (/^\/(blog|graphql|graphiql|assets)(\/|$)/.test(anchor.pathname)) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
});
