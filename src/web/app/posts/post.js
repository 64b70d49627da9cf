// /posts/:id: one guest post. Its author edits it while it is a draft (or
// changes were asked for), previews it as the blog will show it, submits,
// withdraws and resubmits; a reviewer approves, asks for changes, rejects,
// schedules or publishes. Both see its status change live, the reviewers'
// comments, the history and every submitted revision.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { me, isComms } from "../state/me.js";
import { t, formatDateTime } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { Body } from "../ui/body.js";
import { POST, UPDATE, SUBMIT, WITHDRAW, STATUS_CHANGED, QUEUE_CHANGED } from "./documents.js";
import { StatusBadge, useDraft, fieldsOf, explain } from "./shared.js";
import { Editor } from "./editor.js";
import { ReviewActions } from "./actions.js";

/** @param {{ id: string }} props */
export function PostPage({ id }) {
  const [post, setPost] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const load = () => gql(POST, { id }).then((d) => { setPost(d.post); setError(null); }).catch((e) => setError(explain(e)));
  useEffect(() => {
    setPost(null);
    load();
    /** @param {any} changed */
    const mine = (changed) => { if (changed?.id === id) load(); };
    // The author hears of their own posts; reviewers of the queue.
    const stops = [live(STATUS_CHANGED, () => ({}), (d) => mine(d.postStatusChanged), { onResume: load })];
    if (isComms(me.value)) stops.push(live(QUEUE_CHANGED, () => ({}), (d) => mine(d.reviewQueueChanged)));
    return () => stops.forEach((stop) => stop());
  }, [id]);

  if (!post) {
    return html`
      <section class="screen post-page" aria-labelledby="post-heading">
        <h1 id="post-heading">${t("posts.post")}</h1>
        ${error ? html`<${ErrorText} error=${error} /><p><a href="/posts">${t("posts.back")}</a></p>`
          : html`<p class="muted">${t("app.loading")}</p>`}
      </section>`;
  }
  const isAuthor = post.author.id === me.value?.id;
  const editable = isAuthor && (post.status === "DRAFT" || post.status === "CHANGES_REQUESTED");
  return html`
    <article class="screen post-page" aria-labelledby="post-heading">
      <p class="crumb"><a href=${isAuthor || !isComms(me.value) ? "/posts" : "/review"}>
        ${isAuthor || !isComms(me.value) ? t("posts.back") : t("posts.backToReview")}</a></p>
      <h1 id="post-heading">${post.title}</h1>
      <p class="post-meta">
        <span role="status" aria-live="polite"><${StatusBadge} status=${post.status} /></span>
        <span class="muted">${t("posts.byline", { author: post.author.displayName, department: post.department.name })}</span>
      </p>
      <${Outcome} post=${post} isAuthor=${isAuthor} />
      <${ErrorText} error=${error} />
      ${editable ? html`<${EditPost} key=${post.id} post=${post} onChanged=${setPost} onStale=${load} />` : null}
      ${isAuthor && post.status === "IN_REVIEW" ? html`<${Withdraw} post=${post} onChanged=${setPost} />` : null}
      ${!isAuthor && isComms(me.value) ? html`<${ReviewActions} post=${post} onChanged=${setPost} />` : null}
      ${isAuthor && isComms(me.value) && !editable ? html`<p class="muted">${t("posts.notYourOwn")}</p>` : null}
      <section class="post-preview" aria-labelledby="post-preview">
        <h2 id="post-preview">${editable ? t("posts.previewSaved") : t("posts.preview")}</h2>
        ${post.excerpt ? html`<p class="post-excerpt">${post.excerpt}</p>` : null}
        <${Body} bodyHtml=${post.bodyHtml} class="body post-body" />
      </section>
      <${History} post=${post} />
      <${Revisions} post=${post} />
    </article>`;
}

/**
 * Where the post stands, in words: the change asked for, the reason for a
 * rejection, when it publishes, the link on the blog.
 * @param {{ post: any, isAuthor: boolean }} props
 */
function Outcome({ post, isAuthor }) {
  const last = [...post.reviewEvents].reverse().find((/** @type {any} */ e) => e.to === post.status);
  switch (post.status) {
    case "CHANGES_REQUESTED":
    case "REJECTED":
      return html`
        <div class="post-callout" role="note">
          <p><strong>${t(post.status === "REJECTED" ? "posts.rejectedBy" : "posts.changesBy", { name: last?.actor?.displayName ?? "" })}</strong></p>
          ${last?.comment ? html`<blockquote class="post-comment">${last.comment}</blockquote>` : null}
          ${post.status === "CHANGES_REQUESTED" && isAuthor ? html`<p>${t("posts.changesHint")}</p>` : null}
        </div>`;
    case "IN_REVIEW":
      return html`<p class="muted">${t("posts.inReviewSince", { when: formatDateTime(post.submittedAt) })}</p>`;
    case "APPROVED":
      return html`
        <div class="post-callout" role="note">
          <p>${t("posts.approvedBy", { name: last?.actor?.displayName ?? "" })}</p>
          ${last?.comment ? html`<blockquote class="post-comment">${last.comment}</blockquote>` : null}
        </div>`;
    case "SCHEDULED":
      return html`<p>${t("posts.publishesAt", { when: formatDateTime(post.publishAt) })}</p>`;
    case "PUBLISHED":
      return html`<p class="post-callout">${t("posts.publishedAt", { when: formatDateTime(post.publishedAt) })}
        <a href=${`/blog/${post.slug}`} class="post-blog-link">${t("posts.onTheBlog")}</a></p>`;
    default:
      return html`<p class="muted">${t("posts.draftHint")}</p>`;
  }
}

/** @param {{ post: any, onChanged: (post: any) => void, onStale: () => void }} props */
function EditPost({ post, onChanged, onStale }) {
  const saved = fieldsOf(post);
  const draft = useDraft(post.id, saved);
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  // A change from elsewhere (another tab) shows, unless something typed here is unsaved.
  useEffect(() => { draft.refresh(saved); }, [post.version]);

  /** Saves what changed; editing after a change request takes it back to DRAFT. */
  const save = async () => {
    const f = draft.fields;
    /** @type {Record<string, any>} */
    const input = { id: post.id, expectedVersion: post.version, title: f.title };
    for (const name of draft.changed) input[name] = f[name] === "" && name === "plannedFor" ? null : f[name];
    const data = await gql(UPDATE, { input });
    const fresh = data.updatePostDraft.post;
    draft.forget(fieldsOf(fresh));
    onChanged(fresh);
    return fresh;
  };
  /** @param {() => Promise<any>} action */
  const run = async (action) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(explain(e));
      // Changed in another tab: load that version; what is typed here stays.
      if (/** @type {any} */ (e)?.field === "expectedVersion") onStale();
    } finally {
      setBusy(false);
    }
  };
  const submit = () => run(async () => {
    // Unsaved text, or a post sent back with changes asked for, is saved first.
    const current = draft.changed.length || post.status === "CHANGES_REQUESTED" ? await save() : post;
    const data = await gql(SUBMIT, { input: { id: current.id } });
    onChanged(data.submitPost.post);
  });
  const resubmit = post.status === "CHANGES_REQUESTED" || post.revisions.length > 0;
  return html`
    <section class="post-edit" aria-labelledby="post-edit">
      <h2 id="post-edit">${t("posts.edit")}</h2>
      <${Editor} id="edit-post" draft=${draft} error=${error} busy=${busy} onSubmit=${() => run(save)}>
        <button type="submit" disabled=${busy || !draft.changed.length}>${t("posts.save")}</button>
        <button type="button" class="primary" disabled=${busy} onClick=${submit}>
          ${resubmit ? t("posts.resubmit") : t("posts.submit")}</button>
        ${draft.changed.length ? html`<span class="muted">${t("posts.unsaved")}</span>` : null}
      </${Editor}>
    </section>`;
}

/** @param {{ post: any, onChanged: (post: any) => void }} props */
function Withdraw({ post, onChanged }) {
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const withdraw = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await gql(WITHDRAW, { input: { id: post.id } });
      onChanged(data.withdrawPost.post);
    } catch (e) { setError(explain(e)); } finally { setBusy(false); }
  };
  return html`
    <div class="post-buttons">
      <button type="button" onClick=${withdraw} disabled=${busy}>${t("posts.withdraw")}</button>
      <span class="muted">${t("posts.withdrawHint")}</span>
      <${ErrorText} error=${error} />
    </div>`;
}

/** Every step, oldest first, with who and what they said. @param {{ post: any }} props */
function History({ post }) {
  if (!post.reviewEvents.length) return null;
  return html`
    <section class="post-history" aria-labelledby="post-history">
      <h2 id="post-history">${t("posts.history")}</h2>
      <ol>
        ${post.reviewEvents.map((/** @type {any} */ e) => html`
          <li>
            <time datetime=${e.at}>${formatDateTime(e.at)}</time>
            <span>${t("posts.event", {
              who: e.actor?.displayName ?? t("posts.scheduler"),
              from: t(`posts.status.${e.from}`),
              to: t(`posts.status.${e.to}`),
            })}</span>
            ${e.comment ? html`<blockquote class="post-comment">${e.comment}</blockquote>` : null}
          </li>`)}
      </ol>
    </section>`;
}

/** Each submitted version with its diff against the one before. @param {{ post: any }} props */
function Revisions({ post }) {
  if (!post.revisions.length) return null;
  return html`
    <section class="post-revisions" aria-labelledby="post-revisions">
      <h2 id="post-revisions">${t("posts.revisions")}</h2>
      ${post.revisions.map((/** @type {any} */ r) => html`
        <details>
          <summary>${t("posts.revision", { number: r.number, when: formatDateTime(r.createdAt) })}</summary>
          ${r.diff ? html`<pre class="post-diff">${r.diff}</pre>` : html`<p class="muted">${t("posts.firstRevision")}</p>`}
        </details>`)}
    </section>`;
}
