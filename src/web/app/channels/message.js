// One message: author, time, the server's sanitized body, reactions and
// actions. A screen reader announces it as author, time, text, reactions
// (an <article> labelled by its header).

import { html } from "../html.js";
import { useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t, formatTime, formatDateTime } from "../i18n/index.js";
import { Body } from "../ui/body.js";
import { Avatar } from "../ui/avatar.js";
import { ErrorText } from "../ui/errors.js";
import { REACT, UNREACT, DELETE, EDIT } from "./documents.js";

export const REACTIONS = {
  thumbsup: "👍", heart: "❤️", tada: "🎉", eyes: "👀",
  laughing: "😆", rocket: "🚀", white_check_mark: "✅", pray: "🙏",
};

/**
 * @param {{ message: any, onChange: (m: any) => void, threadHref?: string | null,
 *   highlighted?: boolean, canAct: boolean }} props
 */
export function Message({ message, onChange, threadHref = null, highlighted = false, canAct }) {
  const [error, setError] = useState(/** @type {any} */ (null));
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const person = me.value;
  const own = person?.id === message.author.id;
  const headerId = `m-${message.id}-h`;

  /** @param {string} document @param {any} input @param {string} field */
  const act = async (document, input, field) => {
    setError(null);
    try {
      const data = await gql(document, { input });
      onChange(data[field].message);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  /** @param {string} code @param {boolean} reacted */
  const toggle = (code, reacted) => act(reacted ? UNREACT : REACT, { messageId: message.id, code }, reacted ? "removeReaction" : "addReaction");

  if (message.deletedAt) {
    return html`<article class="message deleted" id=${`m-${message.id}`} data-message=${message.id}>
      <p class="muted">${t(message.erasedAt ? "message.erased" : "message.deleted")}</p></article>`;
  }
  return html`
    <article class=${`message ${highlighted ? "highlight" : ""}`} id=${`m-${message.id}`} data-message=${message.id}
      aria-labelledby=${headerId} tabindex="-1">
      <${Avatar} person=${message.author} />
      <div class="message-main">
        <header id=${headerId}>
          <a class="author" href=${`/people/${message.author.handle}`}>${message.author.displayName}</a>
          <time datetime=${message.createdAt} title=${formatDateTime(message.createdAt)}>${formatTime(message.createdAt)}</time>
          ${message.editedAt ? html`<span class="muted">${t("message.edited")}</span>` : null}
        </header>
        ${editing
          ? html`<${EditForm} message=${message} onDone=${async (/** @type {string | null} */ body) => {
              if (body === null || (await act(EDIT, { id: message.id, body }, "editMessage"))) setEditing(false);
            }} />`
          : html`<${Body} bodyHtml=${message.bodyHtml} />`}
        ${message.reactions.length ? html`
          <ul class="reactions" aria-label=${t("message.reactions")}>
            ${message.reactions.map((/** @type {any} */ r) => html`
              <li><button type="button" class=${r.viewerHasReacted ? "reacted" : ""} disabled=${!canAct}
                aria-pressed=${r.viewerHasReacted ? "true" : "false"}
                aria-label=${t("message.reactionLabel", { code: r.code, count: r.count })}
                onClick=${() => toggle(r.code, r.viewerHasReacted)}>
                ${/** @type {Record<string,string>} */ (REACTIONS)[r.code] ?? r.code} ${r.count}
              </button></li>`)}
          </ul>` : null}
        <div class="actions">
          ${threadHref ? html`<a href=${threadHref} class="replies">${message.replyCount
            ? t("message.replies", { count: message.replyCount }) : t("message.reply")}</a>` : null}
          ${canAct ? html`<button type="button" aria-expanded=${picking ? "true" : "false"} onClick=${() => setPicking(!picking)}
            aria-label=${t("message.react")}>☺+</button>` : null}
          ${own && canAct ? html`<button type="button" onClick=${() => setEditing(true)}>${t("message.edit")}</button>` : null}
          ${(own || person?.role === "ADMIN") && canAct ? html`<button type="button" onClick=${() => {
            if (confirm(t("message.confirmDelete"))) act(DELETE, { id: message.id }, "deleteMessage");
          }}>${t("message.delete")}</button>` : null}
        </div>
        ${picking ? html`
          <div class="picker" role="group" aria-label=${t("message.react")}>
            ${Object.entries(REACTIONS).map(([code, emoji]) => html`
              <button type="button" aria-label=${code} onClick=${() => {
                setPicking(false);
                const mine = message.reactions.find((/** @type {any} */ r) => r.code === code);
                toggle(code, Boolean(mine?.viewerHasReacted));
              }}>${emoji}</button>`)}
          </div>` : null}
        <${ErrorText} error=${error} />
      </div>
    </article>`;
}

/** @param {{ message: any, onDone: (body: string | null) => void }} props */
function EditForm({ message, onDone }) {
  const [body, setBody] = useState(message.body);
  return html`
    <form class="edit" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); onDone(body); }}>
      <label class="visually-hidden" for=${`edit-${message.id}`}>${t("message.edit")}</label>
      <textarea id=${`edit-${message.id}`} value=${body} rows="3"
        onInput=${(/** @type {Event} */ e) => setBody(/** @type {HTMLTextAreaElement} */ (e.target).value)}
        onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
          if (e.key === "Escape") { e.stopPropagation(); onDone(null); }
          if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); onDone(body); }
        }}></textarea>
      <button type="submit" class="primary">${t("message.save")}</button>
      <button type="button" onClick=${() => onDone(null)}>${t("app.cancel")}</button>
    </form>`;
}
