// The sidebar: the places (home, round, posts, review, analytics,
// directory) and the person's channels grouped by department, each with
// its unread badge and mention count from the server.

import { html } from "../html.js";
import { route } from "../router.js";
import { me, isComms, isManager } from "../state/me.js";
import { sortedChannels } from "../state/channels.js";
import { t } from "../i18n/index.js";
import { LanguagePicker } from "./topbar.js";
import { prefetch } from "../channels/pages.js";

/**
 * Groups channels under a department: the person's own when the channel
 * is linked to it, else the first linked one.
 * @param {import("../state/channels.js").ChannelSummary[]} channels
 * @param {string[]} mine  ids of the person's departments
 */
function grouped(channels, mine) {
  /** @type {Map<string, { name: string, channels: typeof channels }>} */
  const groups = new Map();
  for (const channel of channels) {
    const home = channel.departments.find((d) => mine.includes(d.id)) ?? channel.departments[0];
    const key = home?.slug ?? "";
    if (!groups.has(key)) groups.set(key, { name: home?.name ?? "", channels: [] });
    groups.get(key)?.channels.push(channel);
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** @param {{ onNavigate: () => void }} props */
export function Sidebar({ onNavigate }) {
  const person = me.value;
  const path = route.value.path;
  /** @param {string} href @param {string} label */
  const place = (href, label) => html`
    <li><a href=${href} aria-current=${path === href || (href !== "/" && path.startsWith(`${href}/`)) ? "page" : null}
      onClick=${onNavigate}>${label}</a></li>`;
  const groups = grouped(sortedChannels.value, person?.departments.map((d) => d.id) ?? []);
  return html`
    <nav class="sidebar" id="sidebar" aria-label=${t("nav.label")}>
      <ul class="places">
        ${place("/", t("nav.home"))}
        ${place("/round", t("nav.round"))}
        ${place("/posts", t("nav.posts"))}
        ${isComms(person) ? place("/review", t("nav.review")) : null}
        ${isManager(person) ? place("/analytics", t("nav.analytics")) : null}
        ${place("/directory", t("nav.directory"))}
      </ul>
      ${groups.map((group) => html`
        <section class="channel-group" aria-label=${group.name}>
          <h2>${group.name}</h2>
          <ul>
            ${group.channels.map((c) => {
              const unread = c.unreadCount ?? 0;
              const mentions = c.mentionCount ?? 0;
              // Said after the name by a screen reader; the badges are for the eye.
              const counts = [
                unread ? t("channel.unreadCount", { count: unread }) : "",
                mentions ? t("channel.mentionCount", { count: mentions }) : "",
              ].filter(Boolean).join(", ");
              return html`
                <li>
                  <a href=${`/c/${c.slug}`} class=${`channel-link ${unread ? "unread" : ""}`}
                    aria-current=${path === `/c/${c.slug}` || path.startsWith(`/c/${c.slug}/`) ? "page" : null}
                    data-channel=${c.slug} onClick=${onNavigate}
                    onPointerEnter=${() => prefetch(c.slug)} onFocus=${() => prefetch(c.slug)}>
                    <span aria-hidden="true">${c.visibility === "PRIVATE" ? "🔒" : "#"}</span>
                    <span class="name">${c.name}</span>
                    ${counts ? html`<span class="visually-hidden">, ${counts}</span>` : null}
                    ${c.departments.length > 1 ? html`<span class="synapse" title=${c.departments.map((d) => d.name).join(" ↔ ")} aria-hidden="true">↔</span>` : null}
                    ${mentions ? html`<span class="badge mention" aria-hidden="true" data-mentions>@${mentions}</span>` : null}
                    ${unread ? html`<span class="badge" aria-hidden="true" data-unread>${unread}</span>` : null}
                  </a>
                </li>`;
            })}
          </ul>
        </section>`)}
      <p><a href="/channels" class="browse" onClick=${onNavigate}>${t("nav.browse")}</a></p>
      <${LanguagePicker} id="language-menu" />
    </nav>`;
}
