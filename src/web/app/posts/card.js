// The home screen's card for comms: posts waiting for review, the
// longest-waiting first, kept live (home shows it to comms and admins only).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { t, formatDateTime } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { REVIEW_COUNT, QUEUE_CHANGED } from "./documents.js";
import "./i18n.js";

/** How many of the longest-waiting posts the card lists. */
const SHOWN = 5;

export function ReviewCard() {
  const [queue, setQueue] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    const load = () => gql(REVIEW_COUNT).then((d) => { setQueue(d.reviewQueue); setError(null); }).catch(setError);
    load();
    return live(QUEUE_CHANGED, () => ({}), load, { onResume: load });
  }, []);
  return html`
    <section class="card review-card" aria-labelledby="home-review">
      <h2 id="home-review">${t("posts.cardTitle")}</h2>
      <${ErrorText} error=${error} />
      ${!queue ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`)
        : queue.nodes.length ? html`
          <p>${t(queue.pageInfo.hasNextPage ? "posts.cardWaitingMore" : "posts.cardWaiting", { count: queue.nodes.length })}</p>
          <ul class="plain">
            ${queue.nodes.slice(0, SHOWN).map((/** @type {any} */ p) => html`
              <li><a href=${`/posts/${p.id}`}>${p.title}</a>
                <span class="muted"> · ${p.author.displayName} · ${formatDateTime(p.submittedAt)}</span></li>`)}
          </ul>`
        : html`<p class="muted">${t("posts.queueEmpty")}</p>`}
      <p><a href="/review">${t("posts.openQueue")}</a></p>
    </section>`;
}
