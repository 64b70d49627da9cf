// The home screen's card for comms: posts waiting for review, the
// longest-waiting first, kept live (home shows it to comms and admins only).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { t, formatDateTime } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { REVIEW_COUNT, QUEUE_CHANGED } from "./documents.js";
import "./i18n.js";

export function ReviewCard() {
  const [posts, setPosts] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    const load = () => gql(REVIEW_COUNT).then((d) => { setPosts(d.reviewQueue.nodes); setError(null); }).catch(setError);
    load();
    return live(QUEUE_CHANGED, () => ({}), load, { onResume: load });
  }, []);
  return html`
    <section class="card review-card" aria-labelledby="home-review">
      <h2 id="home-review">${t("posts.cardTitle")}</h2>
      <${ErrorText} error=${error} />
      ${!posts ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`)
        : posts.length ? html`
          <ul class="plain">
            ${posts.map((p) => html`
              <li><a href=${`/posts/${p.id}`}>${p.title}</a>
                <span class="muted"> · ${p.author.displayName} · ${formatDateTime(p.submittedAt)}</span></li>`)}
          </ul>`
        : html`<p class="muted">${t("posts.queueEmpty")}</p>`}
      <p><a href="/review">${t("posts.openQueue")}</a></p>
    </section>`;
}
