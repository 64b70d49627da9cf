// The composer: markdown, Enter sends, Shift+Enter breaks the line, `@`
// suggests people. What is typed is kept in localStorage per channel and
// thread until it is sent, so an error, an expired session or a reload
// loses nothing.

import { html } from "../html.js";
import { useState, useRef, useEffect } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { POST, PEOPLE } from "./documents.js";

/** @param {string} key */
const draftKey = (key) => `synaps.draft.${key}`;

/**
 * @param {{ channelId: string, parentId?: string | null, label: string,
 *   onPosted: (message: any) => void, disabled?: boolean }} props
 */
export function Composer({ channelId, parentId = null, label, onPosted, disabled = false }) {
  const key = draftKey(parentId ? `${channelId}.${parentId}` : channelId);
  const [body, setBody] = useState(() => localStorage.getItem(key) ?? "");
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const [people, setPeople] = useState(/** @type {any[]} */ ([]));
  const [active, setActive] = useState(0);
  const area = useRef(/** @type {HTMLTextAreaElement | null} */ (null));
  const id = `composer-${parentId ?? channelId}`;

  useEffect(() => { setBody(localStorage.getItem(key) ?? ""); setError(null); }, [key]);

  /** @param {string} value */
  const change = (value) => {
    setBody(value);
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
    const caret = area.current?.selectionStart ?? value.length;
    const typed = value.slice(0, caret).match(/(?:^|\s)@([\p{L}\p{N}_.-]{1,30})$/u);
    if (typed) {
      gql(PEOPLE, { search: typed[1] }).then((d) => { setPeople(d.users.nodes); setActive(0); }).catch(() => setPeople([]));
    } else {
      setPeople([]);
    }
  };

  /** @param {{ handle: string }} person */
  const complete = (person) => {
    const el = area.current;
    const caret = el?.selectionStart ?? body.length;
    const before = body.slice(0, caret).replace(/@([\p{L}\p{N}_.-]*)$/u, `@${person.handle} `);
    change(before + body.slice(caret));
    setPeople([]);
    requestAnimationFrame(() => { el?.focus(); el?.setSelectionRange(before.length, before.length); });
  };

  const send = async () => {
    if (!body.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const data = await gql(POST, { input: { channelId, body, parentId } });
      change("");
      onPosted(data.postMessage.message);
    } catch (e) {
      setError(e); // the text stays in the box
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  };

  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (people.length) {
      if (event.key === "ArrowDown") { event.preventDefault(); setActive((active + 1) % people.length); return; }
      if (event.key === "ArrowUp") { event.preventDefault(); setActive((active - 1 + people.length) % people.length); return; }
      if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); complete(people[active]); return; }
      if (event.key === "Escape") { event.stopPropagation(); setPeople([]); return; }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return html`
    <form class="composer" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); send(); }}>
      <label for=${id} class="visually-hidden">${label}</label>
      ${people.length ? html`
        <ul class="suggestions" role="listbox" id=${`${id}-people`} aria-label=${t("composer.people")}>
          ${people.map((p, i) => html`
            <li role="option" id=${`${id}-p-${p.id}`} aria-selected=${i === active ? "true" : "false"}
              class=${i === active ? "active" : ""} onMouseDown=${(/** @type {Event} */ e) => { e.preventDefault(); complete(p); }}>
              <strong>${p.displayName}</strong> <span class="muted">@${p.handle}</span>
            </li>`)}
        </ul>` : null}
      <textarea id=${id} ref=${area} rows="2" placeholder=${label} value=${body} disabled=${disabled}
        role="combobox" aria-autocomplete="list" aria-expanded=${people.length ? "true" : "false"}
        aria-controls=${`${id}-people`}
        aria-activedescendant=${people[active] ? `${id}-p-${people[active].id}` : null}
        onInput=${(/** @type {Event} */ e) => change(/** @type {HTMLTextAreaElement} */ (e.target).value)}
        onKeyDown=${onKey}></textarea>
      <button type="submit" class="primary" disabled=${busy || disabled || !body.trim()}>${t("composer.send")}</button>
      <${ErrorText} error=${error} />
      <p class="hint muted">${t("composer.hint")}</p>
    </form>`;
}
