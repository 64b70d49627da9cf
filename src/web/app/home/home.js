// Home: what needs the person now. Unread channels, unread mentions and
// replies, their check-in for this week, review work waiting (comms) and
// quiet links between departments (managers).

import { html } from "../html.js";
import { sortedChannels } from "../state/channels.js";
import { me, isComms, isManager } from "../state/me.js";
import { t } from "../i18n/index.js";
import { NotificationList } from "./notifications.js";
import { CheckinCard } from "../round/card.js";
import { ReviewCard } from "../posts/card.js";
import { QuietLinksCard } from "../analytics/card.js";

export function Home() {
  const person = me.value;
  const unread = sortedChannels.value.filter((c) => (c.unreadCount ?? 0) > 0);
  return html`
    <section class="screen home" aria-labelledby="home-title">
      <h1 id="home-title">${t("home.hello", { name: person?.displayName.split(" ")[0] ?? "" })}</h1>
      <div class="cards">
        <section class="card" aria-labelledby="home-unread">
          <h2 id="home-unread">${t("home.unread")}</h2>
          ${unread.length
            ? html`<ul class="plain">${unread.map((c) => html`
                <li><a href=${`/c/${c.slug}`}># ${c.name}</a>
                  <span class="badge">${c.unreadCount}</span>
                  ${c.mentionCount ? html` <span class="badge mention">@${c.mentionCount}</span>` : null}</li>`)}</ul>`
            : html`<p class="muted">${t("home.allRead")}</p>`}
        </section>
        <section class="card" aria-labelledby="home-mentions">
          <h2 id="home-mentions">${t("home.mentions")}</h2>
          <${NotificationList} unreadOnly=${true} limit=${8} compact=${true} />
        </section>
        <${CheckinCard} />
        ${isComms(person) ? html`<${ReviewCard} />` : null}
        ${isManager(person) ? html`<${QuietLinksCard} />` : null}
      </div>
    </section>`;
}
