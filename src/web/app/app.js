// The shell: top bar, the sidebar of places and channels, the screen the
// address names, the sign-in dialog when a session expires, and the
// keyboard shortcuts that work everywhere.

import { html } from "./html.js";
import { useEffect } from "./vendor/hooks.js";
import { signal } from "./vendor/signals.js";
import { route, match, navigate } from "./router.js";
import { tokens, expired } from "./state/session.js";
import { me, loadMe } from "./state/me.js";
import { connection } from "./api/client.js";
import { t } from "./i18n/index.js";
import { SignIn } from "./signin.js";
import { Sidebar } from "./ui/sidebar.js";
import { TopBar } from "./ui/topbar.js";
import { Shortcuts, shortcutsOpen } from "./ui/shortcuts.js";
import { Switcher, switcherOpen } from "./ui/switcher.js";
import { Home } from "./home/home.js";
import { Browse } from "./channels/browse.js";
import { Conversation } from "./channels/conversation.js";
import { NotificationsPage } from "./home/notifications.js";
import { SCREENS as MORE_SCREENS } from "./screens.js";
import { loadMyChannels, nextUnread } from "./state/channels.js";
import { focusSearch } from "./search/box.js";

/** @type {[string, (props: any) => any][]} */
const SCREENS = [
  ["/", Home],
  ["/channels", Browse],
  ["/c/:slug", Conversation],
  ["/c/:slug/t/:thread", Conversation],
  ["/notifications", NotificationsPage],
  ...MORE_SCREENS,
];

/** The sidebar on a phone: closed until the menu button opens it. */
export const menuOpen = signal(false);

function Screen() {
  const { path } = route.value;
  for (const [pattern, Component] of SCREENS) {
    const params = match(pattern, path);
    if (params) return html`<${Component} ...${params} />`;
  }
  return html`<section class="screen"><h1>${t("notFound.title")}</h1><p><a href="/">${t("notFound.home")}</a></p></section>`;
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  const typing = /** @type {HTMLElement} */ (event.target).closest?.("input, textarea, select, [contenteditable]");
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
    event.preventDefault();
    switcherOpen.value = !switcherOpen.value;
  } else if (((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f") || (event.key === "/" && !typing)) {
    // Inside the client, find means synaps's search, not the page's.
    event.preventDefault();
    focusSearch();
  } else if (event.altKey && event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const next = nextUnread(event.key === "ArrowDown" ? 1 : -1);
    if (next) navigate(`/c/${next.slug}`);
  } else if (event.key === "Escape") {
    if (switcherOpen.value || shortcutsOpen.value || menuOpen.value) {
      switcherOpen.value = false;
      shortcutsOpen.value = false;
      menuOpen.value = false;
    } else if (match("/c/:slug/t/:thread", route.value.path)) {
      navigate(route.value.path.replace(/\/t\/[^/]+$/, ""));
    }
  } else if (event.key === "?" && !typing) {
    event.preventDefault();
    shortcutsOpen.value = true;
  }
}

function SignedIn() {
  useEffect(() => {
    loadMe().catch(() => {});
    loadMyChannels().catch(() => {});
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [tokens.value?.userId]);
  if (!me.value) return html`<p class="boot">${t("app.loading")}</p>`;
  return html`
    <a class="skip" href="#main">${t("app.skip")}</a>
    <div class=${`shell ${menuOpen.value ? "menu-open" : ""}`}>
      <${TopBar} menuOpen=${menuOpen} />
      ${connection.value === "down"
        ? html`<p class="banner" role="status">${t("app.reconnecting")}</p>`
        : null}
      <${Sidebar} onNavigate=${() => { menuOpen.value = false; }} />
      <main id="main" class="main" tabindex="-1"><${Screen} /></main>
    </div>
    ${switcherOpen.value ? html`<${Switcher} />` : null}
    ${shortcutsOpen.value ? html`<${Shortcuts} />` : null}`;
}

export function App() {
  if (!tokens.value && !expired.value) {
    if (route.value.path !== "/signin") navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return html`<${SignIn} />`;
  }
  if (tokens.value && route.value.path === "/signin") {
    navigate(route.value.query.get("next") || "/", { replace: true });
  }
  return html`
    ${me.value || tokens.value ? html`<${SignedIn} />` : null}
    ${expired.value ? html`<${SignIn} dialog=${true} />` : null}`;
}
