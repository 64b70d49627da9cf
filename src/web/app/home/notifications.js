// Notifications: newest first, each a link to what it is about (the
// message in its channel or thread, the post, the check-in); opening one
// marks it read, and "mark all read" does what it says.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { unreadNotifications, arrived } from "../state/notifications.js";
import { t, formatDateTime } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { messageHref } from "../router.js";

export const NOTIFICATIONS = `query Notifications($unreadOnly: Boolean!, $first: Int!) {
  notifications(unreadOnly: $unreadOnly, first: $first) {
    nodes {
      id kind message createdAt readAt
      actor { handle displayName }
      post { id title }
      aboutMessage { id channel { slug } parent { id } }
      aboutCheckin { id week }
    }
  }
  unreadNotificationCount
}`;

const MARK = `mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) { marked unreadCount }
}`;

/** Where a notification leads.
 * @param {any} n */
export function target(n) {
  if (n.aboutMessage) return messageHref(n.aboutMessage);
  if (n.post) return `/posts/${n.post.id}`;
  if (n.aboutCheckin) return "/round";
  return "/notifications";
}

/** @param {{ limit?: number, unreadOnly?: boolean, compact?: boolean }} props */
export function NotificationList({ limit = 50, unreadOnly = false, compact = false }) {
  const [items, setItems] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const load = () => gql(NOTIFICATIONS, { unreadOnly, first: limit })
    .then((data) => { setItems(data.notifications.nodes); unreadNotifications.value = data.unreadNotificationCount; })
    .catch(setError);
  useEffect(() => { load(); }, [arrived.value.length]);
  /** @param {string[] | null} ids */
  const mark = async (ids) => {
    try {
      const data = await gql(MARK, { input: ids ? { ids } : {} });
      unreadNotifications.value = data.markNotificationsRead.unreadCount;
      await load();
    } catch (e) { setError(e); }
  };
  if (error) return html`<${ErrorText} error=${error} />`;
  if (!items) return html`<p class="muted">${t("app.loading")}</p>`;
  if (!items.length) return html`<p class="muted">${t("notifications.none")}</p>`;
  return html`
    ${compact ? null : html`<p><button type="button" onClick=${() => mark(null)}>${t("notifications.markAll")}</button></p>`}
    <ul class="notifications">
      ${items.map((n) => html`
        <li class=${n.readAt ? "read" : "unread"}>
          <a href=${target(n)} onClick=${() => { if (!n.readAt) mark([n.id]); }}>
            <span class="what">${n.message}</span>
            <time datetime=${n.createdAt}>${formatDateTime(n.createdAt)}</time>
          </a>
        </li>`)}
    </ul>`;
}

export function NotificationsPage() {
  return html`
    <section class="screen" aria-labelledby="notifications-title">
      <h1 id="notifications-title">${t("notifications.title")}</h1>
      <${NotificationList} />
    </section>`;
}
