// One challenge: its text, the department asked, where it stands, and —
// when it was addressed to a department — its thread, which lives in a
// channel the two departments share (`Challenge.thread` is the thread's
// first message). The thread can be read and answered here; a reply by a
// member of the addressed department is what makes it ANSWERED.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t, formatDateTime } from "../i18n/index.js";
import { Body } from "../ui/body.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { CHALLENGE_THREAD, CHALLENGE_NODE, JOIN, REPLY, RESOLVE, REOPEN } from "./documents.js";
import "./i18n.js";

/**
 * @param {{ challenge: any, own: boolean, author?: any, onChange: (c: any) => void }} props
 *   own: the viewer wrote it (may resolve and reopen); author: shown when
 *   the challenge is listed apart from its check-in (the routed view)
 */
export function ChallengeItem({ challenge: c, own, author = null, onChange }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);

  const setResolved = async (/** @type {boolean} */ resolved) => {
    setBusy(true);
    setError(null);
    try {
      const data = await gql(resolved ? RESOLVE : REOPEN, { input: { challengeId: c.id } });
      onChange((resolved ? data.resolveChallenge : data.reopenChallenge).challenge);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  // A reply may have answered it: how it stands now, as the server says.
  const reload = () => gql(CHALLENGE_NODE, { id: c.id }).then((d) => { if (d.node) onChange(d.node); }).catch(setError);

  return html`
    <li class="challenge" data-status=${c.status}>
      ${author ? html`<p class="challenge-from">${t("round.challengeFrom", { name: author.displayName })}</p>` : null}
      <${Body} bodyHtml=${c.bodyHtml} />
      <p class="challenge-meta">
        ${c.department ? html`<span class="to">${t("round.askedOf", { name: c.department.name })}</span>` : null}
        <span class=${`status status-${c.status.toLowerCase()}`}>${statusText(c)}</span>
      </p>
      <div class="actions">
        ${c.thread ? html`<button type="button" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>
          ${open ? t("round.hideThread") : t("round.showThread", { count: c.thread.replyCount })}</button>` : null}
        ${own && c.status !== "RESOLVED" ? html`<button type="button" disabled=${busy} onClick=${() => setResolved(true)}>${t("round.resolve")}</button>` : null}
        ${own && c.status === "RESOLVED" ? html`<button type="button" disabled=${busy} onClick=${() => setResolved(false)}>${t("round.reopen")}</button>` : null}
      </div>
      <${ErrorText} error=${error} />
      ${open && c.thread ? html`<${ChallengeThread} threadId=${c.thread.id} onReplied=${reload} />` : null}
    </li>`;
}

/** Where a challenge stands, in words. @param {any} c */
function statusText(c) {
  if (c.status === "RESOLVED") return t("round.statusResolved");
  if (c.status === "ANSWERED") {
    return c.answeredBy ? t("round.statusAnsweredBy", { name: c.answeredBy.displayName, when: formatDateTime(c.answeredAt) }) : t("round.statusAnswered");
  }
  return t("round.statusOpen");
}

/** A challenge's thread: the replies and a box to answer in.
 * @param {{ threadId: string, onReplied: () => void }} props */
function ChallengeThread({ threadId, onReplied }) {
  const [thread, setThread] = useState(/** @type {any} */ (null));
  const [body, setBody] = useState("");
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const load = () => gql(CHALLENGE_THREAD, { id: threadId }).then((d) => { setThread(d.node); return d.node; });
  useEffect(() => { load().catch(setError); }, [threadId]);

  /** @param {SubmitEvent} event */
  const reply = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const channel = thread.channel;
      // Answering needs membership; a public channel is joined on the way
      // (the button says so), as the challenge's author was.
      if (!channel.viewerIsMember) await gql(JOIN, { input: { channelId: channel.id } });
      await gql(REPLY, { input: { channelId: channel.id, parentId: threadId, body } });
      setBody("");
      await load();
      onReplied();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  if (!thread) return error ? html`<${ErrorText} error=${error} />` : html`<p class="muted">${t("app.loading")}</p>`;
  const channel = thread.channel;
  const canJoin = channel.viewerIsMember || channel.visibility === "PUBLIC";
  const inputId = `reply-${threadId}`;
  const bodyError = fieldError(error, "body");
  return html`
    <div class="challenge-thread">
      <p class="muted">${t("round.threadIn")} <a href=${`/c/${channel.slug}/t/${threadId}`}># ${channel.name}</a></p>
      ${thread.replies.nodes.length ? html`
        <ol class="replies" aria-label=${t("round.replies")}>
          ${thread.replies.nodes.map((/** @type {any} */ r) => html`
            <li key=${r.id}>
              <p class="who"><strong>${r.author.displayName}</strong> <time class="muted" datetime=${r.createdAt}>${formatDateTime(r.createdAt)}</time></p>
              ${r.deletedAt ? html`<p class="muted">${t(r.erasedAt ? "message.erased" : "message.deleted")}</p>` : html`<${Body} bodyHtml=${r.bodyHtml} />`}
            </li>`)}
        </ol>` : html`<p class="muted">${t("round.noReplies")}</p>`}
      ${canJoin && !channel.archivedAt && me.value ? html`
        <form class="reply" onSubmit=${reply}>
          <label for=${inputId}>${t("round.answer")}</label>
          <textarea id=${inputId} rows="2" value=${body} required aria-invalid=${bodyError ? "true" : "false"}
            onInput=${(/** @type {Event} */ e) => setBody(/** @type {HTMLTextAreaElement} */ (e.target).value)}></textarea>
          ${bodyError ? html`<p class="error" role="alert">${bodyError}</p>` : html`<${ErrorText} error=${error} />`}
          <button type="submit" class="primary" disabled=${busy || !body.trim()}>
            ${channel.viewerIsMember ? t("round.sendAnswer") : t("round.joinAndAnswer", { name: channel.name })}</button>
        </form>` : null}
    </div>`;
}
