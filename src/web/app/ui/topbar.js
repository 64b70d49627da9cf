// The top bar: the menu button (on a phone), the name, the channel
// switcher, notifications with their unread count, language and sign-out.

import { html } from "../html.js";
import { useEffect } from "../vendor/hooks.js";
import { gql, dropConnection } from "../api/client.js";
import { me } from "../state/me.js";
import { signedOut } from "../state/session.js";
import { unreadNotifications, watchNotifications } from "../state/notifications.js";
import { switcherOpen } from "./switcher.js";
import { language, chooseLanguage, t } from "../i18n/index.js";
import { navigate } from "../router.js";
import { Avatar } from "./avatar.js";

/** @param {{ menuOpen: import("../vendor/signals.js").Signal<boolean> }} props */
export function TopBar({ menuOpen }) {
  useEffect(() => watchNotifications(), []);
  const signOut = async () => {
    try { await gql("mutation Logout { logout { ok } }"); } catch { /* signed out here anyway */ }
    dropConnection();
    signedOut();
    me.value = null;
    navigate("/signin", { replace: true });
  };
  const count = unreadNotifications.value;
  const person = me.value;
  return html`
    <header class="topbar">
      <button type="button" class="menu-button" aria-expanded=${menuOpen.value ? "true" : "false"}
        aria-controls="sidebar" onClick=${() => { menuOpen.value = !menuOpen.value; }}>
        <span aria-hidden="true">☰</span><span class="visually-hidden">${t("nav.menu")}</span>
      </button>
      <a href="/" class="brand">synaps</a>
      <button type="button" class="switcher-button" onClick=${() => { switcherOpen.value = true; }}>
        ${t("switcher.open")} <kbd>Ctrl K</kbd>
      </button>
      <span class="spacer"></span>
      <a href="/notifications" class="bell" aria-label=${t("notifications.label", { count })}>
        <span aria-hidden="true">🔔</span>${count ? html`<span class="badge" aria-hidden="true" data-notifications>${count}</span>` : null}
      </a>
      <label class="visually-hidden" for="language">${t("app.language")}</label>
      <select id="language" value=${language.value} onChange=${(/** @type {Event} */ e) => chooseLanguage(/** @type {HTMLSelectElement} */ (e.target).value)}>
        <option value="en">English</option>
        <option value="sv">Svenska</option>
      </select>
      ${person ? html`<a href=${`/people/${person.handle}`} class="me" aria-label=${person.displayName}><${Avatar} person=${person} size="s" /></a>` : null}
      <button type="button" onClick=${signOut}>${t("app.signOut")}</button>
    </header>`;
}
