// /review: the communications team's queue, the longest-waiting first and
// kept live, then what is approved and waiting to be published, and what is
// scheduled. Anyone else is told plainly that it is not for them.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { me, isComms } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { REVIEW_QUEUE, QUEUE_CHANGED } from "./documents.js";
import { PostList } from "./shared.js";

export function Review() {
  if (!isComms(me.value)) {
    return html`
      <section class="screen review" aria-labelledby="review-title">
        <h1 id="review-title">${t("posts.reviewTitle")}</h1>
        <p class="post-callout" role="note">${t("posts.reviewOnlyComms")}</p>
        <p><a href="/posts">${t("posts.toMine")}</a></p>
      </section>`;
  }
  return html`<${Queue} />`;
}

function Queue() {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    const load = () => gql(REVIEW_QUEUE).then((d) => { setData(d); setError(null); }).catch(setError);
    load();
    return live(QUEUE_CHANGED, () => ({}), load, { onResume: load });
  }, []);
  return html`
    <section class="screen review" aria-labelledby="review-title">
      <h1 id="review-title">${t("posts.reviewTitle")}</h1>
      <${ErrorText} error=${error} />
      ${data ? html`
        <section aria-labelledby="review-waiting">
          <h2 id="review-waiting">${t("posts.waiting", { count: data.reviewQueue.nodes.length })}</h2>
          <${PostList} posts=${data.reviewQueue.nodes} empty=${t("posts.queueEmpty")} showAuthor=${true} />
        </section>
        <section aria-labelledby="review-approved">
          <h2 id="review-approved">${t("posts.toPublish")}</h2>
          <${PostList} posts=${data.approved.nodes} empty=${t("posts.noneApproved")} showAuthor=${true} />
        </section>
        <section aria-labelledby="review-scheduled">
          <h2 id="review-scheduled">${t("posts.scheduled")}</h2>
          <${PostList} posts=${data.scheduled.nodes} empty=${t("posts.noneScheduled")} showAuthor=${true} />
        </section>` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}
