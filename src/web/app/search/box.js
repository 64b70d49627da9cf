// The search box in the top bar. Typing shows results as you type on the
// search screen (`/search?q=…`, so the address keeps the search); ↓ moves
// into the results. Ctrl/⌘ F and `/` focus it from anywhere (app.js).

import { html } from "../html.js";
import { useEffect, useRef, useState } from "../vendor/hooks.js";
import { route, navigate } from "../router.js";
import { t } from "../i18n/index.js";
import "./i18n.js";

/** The box's id, for the shortcuts that focus it. */
export const BOX_ID = "search-box";

/** Focuses the search box, its text selected. */
export function focusSearch() {
  const box = /** @type {HTMLInputElement | null} */ (document.getElementById(BOX_ID));
  box?.focus();
  box?.select();
}

/** The search screen's address for `query`, keeping its filters.
 * @param {string} query */
function searchHref(query) {
  const params = route.value.path === "/search" ? new URLSearchParams(route.value.query) : new URLSearchParams();
  params.set("q", query);
  return `/search?${params}`;
}

export function SearchBox() {
  const onScreen = route.value.path === "/search";
  const fromRoute = onScreen ? route.value.query.get("q") ?? "" : "";
  const [text, setText] = useState(fromRoute);
  const timer = useRef(/** @type {any} */ (null));
  // Follow the address (back and forward, a link to a search).
  useEffect(() => { if (onScreen) setText(fromRoute); }, [fromRoute, onScreen]);

  /** @param {string} query @param {boolean} now */
  const show = (query, now) => {
    clearTimeout(timer.current);
    const go = () => navigate(searchHref(query), { replace: route.value.path === "/search" });
    if (now) go();
    else timer.current = setTimeout(go, 200);
  };
  /** @param {KeyboardEvent} event */
  const onKeyDown = (event) => {
    if (event.key === "ArrowDown") {
      const first = /** @type {HTMLElement | null} */ (document.querySelector(".search-results [data-hit]"));
      if (first) {
        event.preventDefault();
        first.focus();
      }
    } else if (event.key === "Escape" && text) {
      event.stopPropagation();
      setText("");
    }
  };
  return html`
    <form role="search" class="search-form" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); show(text, true); }}>
      <label class="visually-hidden" for=${BOX_ID}>${t("search.box")}</label>
      <input id=${BOX_ID} type="search" value=${text} placeholder=${t("search.box")} autocomplete="off"
        maxlength="500" aria-keyshortcuts="Control+F Meta+F /"
        onKeyDown=${onKeyDown}
        onInput=${(/** @type {Event} */ e) => {
          const value = /** @type {HTMLInputElement} */ (e.target).value;
          setText(value);
          show(value, false);
        }} />
    </form>`;
}
