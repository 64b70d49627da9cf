// One check-in as the round shows it: the author, their wins (the
// server's sanitized HTML), this week's challenges, their mood (only the
// author ever gets it back), reactions and comments.

import { html } from "../html.js";
import { useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t, formatDateTime } from "../i18n/index.js";
import { Body } from "../ui/body.js";
import { Avatar } from "../ui/avatar.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { REACTIONS } from "../channels/message.js";
import { ChallengeItem } from "./challenge.js";
import { REACT, UNREACT, COMMENT_ON, DELETE_COMMENT } from "./documents.js";
import "./i18n.js";

/** @param {number} mood */
export const moodText = (mood) => t(`round.mood${mood}`);

/**
 * @param {{ checkin: any, onChange: (c: any) => void, social?: boolean }} props
 *   social: with reactions and comments (not on one's own form page)
 */
export function CheckinView({ checkin: c, onChange, social = true }) {
  const own = me.value?.id === c.author.id;
  const headerId = `checkin-${c.id}-h`;
  return html`
    <article class="checkin" aria-labelledby=${headerId} id=${`checkin-${c.id}`}>
      <header>
        <${Avatar} person=${c.author} size="s" />
        <h3 id=${headerId}>${c.author.displayName}</h3>
        <time class="muted" datetime=${c.updatedAt}>${formatDateTime(c.updatedAt)}</time>
      </header>
      <h4>${t("round.wins")}</h4>
      ${c.wins ? html`<${Body} bodyHtml=${c.winsHtml} />` : html`<p class="muted">${t("round.noWins")}</p>`}
      <h4>${t("round.challenges")}</h4>
      ${c.challenges.length ? html`
        <ul class="challenges">
          ${c.challenges.map((/** @type {any} */ ch) => html`<${ChallengeItem} key=${ch.id} challenge=${ch} own=${own}
            onChange=${(/** @type {any} */ next) => onChange({ ...c, challenges: c.challenges.map((/** @type {any} */ x) => x.id === next.id ? next : x) })} />`)}
        </ul>` : html`<p class="muted">${t("round.noChallenges")}</p>`}
      ${c.mood ? html`<p class="mood">${t("round.yourMood", { mood: moodText(c.mood) })} <span class="muted">${t("round.moodPrivate")}</span></p>` : null}
      ${social ? html`<${Reactions} checkin=${c} onChange=${onChange} /><${Comments} checkin=${c} onChange=${onChange} />` : null}
    </article>`;
}

/** @param {{ checkin: any, onChange: (c: any) => void }} props */
function Reactions({ checkin: c, onChange }) {
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  /** @param {string} code @param {boolean} mine */
  const toggle = async (code, mine) => {
    setError(null);
    setPicking(false);
    try {
      const data = await gql(mine ? UNREACT : REACT, { input: { checkinId: c.id, code } });
      onChange({ ...c, reactions: (mine ? data.removeCheckinReaction : data.addCheckinReaction).checkin.reactions });
    } catch (e) { setError(e); }
  };
  return html`
    <div class="checkin-reactions">
      ${c.reactions.length ? html`
        <ul class="reactions" aria-label=${t("message.reactions")}>
          ${c.reactions.map((/** @type {any} */ r) => html`
            <li key=${r.code}><button type="button" class=${r.viewerHasReacted ? "reacted" : ""}
              aria-pressed=${r.viewerHasReacted ? "true" : "false"}
              aria-label=${t("message.reactionLabel", { code: r.code, count: r.count })}
              onClick=${() => toggle(r.code, r.viewerHasReacted)}>
              ${/** @type {Record<string,string>} */ (REACTIONS)[r.code] ?? r.code} ${r.count}</button></li>`)}
        </ul>` : null}
      <button type="button" aria-expanded=${picking ? "true" : "false"} onClick=${() => setPicking(!picking)}
        aria-label=${t("round.react", { name: c.author.displayName })}>☺+</button>
      ${picking ? html`
        <div class="picker" role="group" aria-label=${t("message.react")}>
          ${Object.entries(REACTIONS).map(([code, emoji]) => html`
            <button type="button" aria-label=${code} onClick=${() => {
              const mine = c.reactions.find((/** @type {any} */ r) => r.code === code);
              toggle(code, Boolean(mine?.viewerHasReacted));
            }}>${emoji}</button>`)}
        </div>` : null}
      <${ErrorText} error=${error} />
    </div>`;
}

/** @param {{ checkin: any, onChange: (c: any) => void }} props */
function Comments({ checkin: c, onChange }) {
  const [body, setBody] = useState("");
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const comments = c.comments.nodes;
  const inputId = `comment-${c.id}`;
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql(COMMENT_ON, { input: { checkinId: c.id, body } });
      setBody("");
      onChange({ ...c, comments: { nodes: [...comments, data.commentOnCheckin.comment] } });
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  /** @param {string} id */
  const remove = async (id) => {
    if (!confirm(t("round.confirmDeleteComment"))) return;
    try {
      await gql(DELETE_COMMENT, { input: { commentId: id } });
      onChange({ ...c, comments: { nodes: comments.filter((/** @type {any} */ x) => x.id !== id) } });
    } catch (e) { setError(e); }
  };
  const bodyError = fieldError(error, "body");
  return html`
    <section class="comments" aria-label=${t("round.commentsOn", { name: c.author.displayName })}>
      ${comments.length ? html`
        <ol class="comment-list">
          ${comments.map((/** @type {any} */ m) => html`
            <li key=${m.id}>
              <p class="who"><strong>${m.author.displayName}</strong> <time class="muted" datetime=${m.createdAt}>${formatDateTime(m.createdAt)}</time>
                ${m.author.id === me.value?.id ? html` <button type="button" class="link" onClick=${() => remove(m.id)}>${t("message.delete")}</button>` : null}</p>
              <${Body} bodyHtml=${m.bodyHtml} />
            </li>`)}
        </ol>` : null}
      <form class="comment-form" onSubmit=${submit}>
        <label for=${inputId}>${t("round.comment")}</label>
        <textarea id=${inputId} rows="1" value=${body} aria-invalid=${bodyError ? "true" : "false"}
          onInput=${(/** @type {Event} */ e) => setBody(/** @type {HTMLTextAreaElement} */ (e.target).value)}></textarea>
        ${bodyError ? html`<p class="error" role="alert">${bodyError}</p>` : html`<${ErrorText} error=${error} />`}
        <button type="submit" disabled=${busy || !body.trim()}>${t("round.sendComment")}</button>
      </form>
    </section>`;
}
