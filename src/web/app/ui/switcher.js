// Ctrl/Cmd+K: jump to a channel by typing part of its name.

import { html } from "../html.js";
import { useState, useRef, useEffect } from "../vendor/hooks.js";
import { signal } from "../vendor/signals.js";
import { sortedChannels } from "../state/channels.js";
import { navigate } from "../router.js";
import { t } from "../i18n/index.js";

export const switcherOpen = signal(false);

export function Switcher() {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => { input.current?.focus(); }, []);
  const found = sortedChannels.value
    .filter((c) => c.name.toLowerCase().includes(text.toLowerCase()) || c.slug.includes(text.toLowerCase()))
    .slice(0, 8);
  /** @param {import("../state/channels.js").ChannelSummary} channel */
  const open = (channel) => {
    switcherOpen.value = false;
    navigate(`/c/${channel.slug}`);
  };
  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); setActive(Math.min(active + 1, found.length - 1)); }
    else if (event.key === "ArrowUp") { event.preventDefault(); setActive(Math.max(active - 1, 0)); }
    else if (event.key === "Enter" && found[active]) { event.preventDefault(); open(found[active]); }
  };
  return html`
    <div class="overlay" onClick=${(/** @type {MouseEvent} */ e) => { if (e.target === e.currentTarget) switcherOpen.value = false; }}>
      <div role="dialog" aria-modal="true" aria-label=${t("switcher.title")} class="dialog switcher">
        <input ref=${input} type="text" role="combobox" aria-expanded="true" aria-controls="switcher-list"
          aria-activedescendant=${found[active] ? `switch-${found[active].id}` : null}
          aria-label=${t("switcher.title")} placeholder=${t("switcher.placeholder")}
          value=${text} onInput=${(/** @type {Event} */ e) => { setText(/** @type {HTMLInputElement} */ (e.target).value); setActive(0); }}
          onKeyDown=${onKey} />
        <ul id="switcher-list" role="listbox">
          ${found.map((c, i) => html`
            <li id=${`switch-${c.id}`} role="option" aria-selected=${i === active ? "true" : "false"}
              class=${i === active ? "active" : ""} onClick=${() => open(c)}>
              # ${c.name} ${c.unreadCount ? html`<span class="badge">${c.unreadCount}</span>` : null}
            </li>`)}
        </ul>
      </div>
    </div>`;
}
