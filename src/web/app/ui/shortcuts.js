// `?`: the keyboard shortcuts.

import { html } from "../html.js";
import { useRef, useEffect } from "../vendor/hooks.js";
import { signal } from "../vendor/signals.js";
import { t } from "../i18n/index.js";

export const shortcutsOpen = signal(false);

const SHORTCUTS = [
  ["Ctrl/⌘ K", "shortcuts.switcher"],
  ["Ctrl/⌘ F, /", "shortcuts.search"],
  ["Alt ⇧ ↓ / ↑", "shortcuts.unread"],
  ["Esc", "shortcuts.escape"],
  ["Enter", "shortcuts.send"],
  ["⇧ Enter", "shortcuts.newline"],
  ["?", "shortcuts.help"],
];

export function Shortcuts() {
  const close = useRef(/** @type {HTMLButtonElement | null} */ (null));
  useEffect(() => { close.current?.focus(); }, []);
  return html`
    <div class="overlay">
      <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" class="dialog">
        <h2 id="shortcuts-title">${t("shortcuts.title")}</h2>
        <dl class="shortcuts">
          ${SHORTCUTS.map(([keys, key]) => html`<dt><kbd>${keys}</kbd></dt><dd>${t(key)}</dd>`)}
        </dl>
        <button type="button" ref=${close} onClick=${() => { shortcutsOpen.value = false; }}>${t("app.close")}</button>
      </div>
    </div>`;
}
