// The top bar: the menu button (on a phone), the name, the channel
// switcher, the search box, notifications with their unread count, language and sign-out.

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
import { SearchBox } from "../search/box.js";

const SAVE_LANGUAGE = `mutation SaveLanguage($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { id language } }
}`;

/** Chooses a language here and, when signed in, keeps it in the profile so
 * every browser the person uses follows it.
 * @param {string} code */
async function pickLanguage(code) {
  chooseLanguage(code);
  const person = me.value;
  if (!person || person.language === code) return;
  try {
    const data = await gql(SAVE_LANGUAGE, { input: { language: code } });
    if (me.value) me.value = { ...me.value, language: data.updateProfile.user.language };
  } catch { /* kept in this browser anyway */ }
}

/** The language choice: in the top bar on a wide screen, at the foot of
 * the sidebar on a phone (where the top bar has no room for it).
 * @param {{ id: string }} props */
export function LanguagePicker({ id }) {
  return html`
    <span class=${`language ${id}`}>
      <label class="visually-hidden" for=${id}>${t("app.language")}</label>
      <select id=${id} value=${language.value} onChange=${(/** @type {Event} */ e) => pickLanguage(/** @type {HTMLSelectElement} */ (e.target).value)}>
        <option value="en">English</option>
        <option value="sv">Svenska</option>
      </select>
    </span>`;
}

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
      <${SearchBox} />
      <span class="spacer"></span>
      <a href="/notifications" class="bell" aria-label=${t("notifications.label", { count })}>
        <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" class="icon"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/></svg>${count ? html`<span class="badge" aria-hidden="true" data-notifications>${count}</span>` : null}
      </a>
      <${LanguagePicker} id="language" />
      ${person ? html`<a href=${`/people/${person.handle}`} class="me"><${Avatar} person=${person} size="s" /><span class="visually-hidden">${person.displayName}</span></a>` : null}
      <button type="button" onClick=${signOut}>${t("app.signOut")}</button>
    </header>`;
}
