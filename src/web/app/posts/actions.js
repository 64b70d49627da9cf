// A reviewer's actions on a post (comms, admins; never on their own): in
// review, approve with a note, ask for changes or reject, each saying why;
// approved, schedule or publish now; scheduled, take it back; published,
// take it off the blog.

import { html } from "../html.js";
import { useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t, timeZone } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { APPROVE, REQUEST_CHANGES, REJECT, SCHEDULE, UNSCHEDULE, PUBLISH, UNPUBLISH } from "./documents.js";
import { explain, zonedToIso } from "./shared.js";

/** @param {{ post: any, onChanged: (post: any) => void }} props */
export function ReviewActions({ post, onChanged }) {
  const [comment, setComment] = useState("");
  const [publishAt, setPublishAt] = useState("");
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);

  /**
   * @param {string} document
   * @param {string} field  the mutation's name, where the payload is
   * @param {Record<string, any>} input
   */
  const act = async (document, field, input) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const data = await gql(document, { input: { id: post.id, ...input } });
      setComment("");
      onChanged(data[field].post);
    } catch (e) {
      setError(explain(e)); // the comment stays in its box
    } finally {
      setBusy(false);
    }
  };

  // The comment box serves approve (`comment`), request changes
  // (`comment`) and reject (`reason`): both errors show under it.
  const commentError = fieldError(error, "comment") ?? fieldError(error, "reason");
  const timeError = fieldError(error, "publishAt");
  const general = error && !commentError && !timeError ? error : null;

  if (post.status === "IN_REVIEW") {
    return html`
      <section class="post-review" aria-labelledby="post-review">
        <h2 id="post-review">${t("posts.review")}</h2>
        <label for="review-comment">${t("posts.comment")}</label>
        <textarea id="review-comment" rows="4" maxlength="4000" value=${comment}
          aria-invalid=${commentError ? "true" : "false"}
          aria-describedby=${commentError ? "review-comment-hint review-comment-error" : "review-comment-hint"}
          onInput=${(/** @type {Event} */ e) => setComment(/** @type {HTMLTextAreaElement} */ (e.target).value)}></textarea>
        <p class="hint muted" id="review-comment-hint">${t("posts.commentHint")}</p>
        ${commentError ? html`<p class="error" id="review-comment-error">${commentError}</p>` : null}
        <div class="post-buttons">
          <button type="button" class="primary" disabled=${busy}
            onClick=${() => act(APPROVE, "approvePost", { comment: comment || null })}>${t("posts.approve")}</button>
          <button type="button" disabled=${busy}
            onClick=${() => act(REQUEST_CHANGES, "requestPostChanges", { comment })}>${t("posts.requestChanges")}</button>
          <button type="button" class="danger" disabled=${busy}
            onClick=${() => act(REJECT, "rejectPost", { reason: comment })}>${t("posts.reject")}</button>
        </div>
        <${ErrorText} error=${general} />
      </section>`;
  }
  if (post.status === "APPROVED") {
    return html`
      <section class="post-review" aria-labelledby="post-review">
        <h2 id="post-review">${t("posts.publishing")}</h2>
        <div class="post-buttons">
          <button type="button" class="primary" disabled=${busy}
            onClick=${() => act(PUBLISH, "publishPost", {})}>${t("posts.publish")}</button>
        </div>
        <form class="post-schedule" onSubmit=${(/** @type {Event} */ e) => {
          e.preventDefault();
          act(SCHEDULE, "schedulePost", { publishAt: publishAt ? zonedToIso(publishAt, timeZone.value) : "" });
        }}>
          <label for="review-publish-at">${t("posts.publishAt")}</label>
          <input id="review-publish-at" type="datetime-local" required value=${publishAt}
            aria-invalid=${timeError ? "true" : "false"}
            aria-describedby=${timeError ? "review-publish-at-hint review-publish-at-error" : "review-publish-at-hint"}
            onInput=${(/** @type {Event} */ e) => setPublishAt(/** @type {HTMLInputElement} */ (e.target).value)} />
          <button type="submit" disabled=${busy}>${t("posts.schedule")}</button>
          <p class="hint muted" id="review-publish-at-hint">${t("posts.publishAtHint", { zone: timeZone.value })}</p>
          ${timeError ? html`<p class="error" id="review-publish-at-error">${timeError}</p>` : null}
        </form>
        <${ErrorText} error=${general} />
      </section>`;
  }
  if (post.status === "SCHEDULED" || post.status === "PUBLISHED") {
    const scheduled = post.status === "SCHEDULED";
    return html`
      <section class="post-review" aria-labelledby="post-review">
        <h2 id="post-review">${t("posts.publishing")}</h2>
        <div class="post-buttons">
          <button type="button" disabled=${busy}
            onClick=${() => scheduled ? act(UNSCHEDULE, "unschedulePost", {}) : act(UNPUBLISH, "unpublishPost", {})}>
            ${scheduled ? t("posts.unschedule") : t("posts.unpublish")}</button>
        </div>
        <${ErrorText} error=${general} />
      </section>`;
  }
  return null;
}
