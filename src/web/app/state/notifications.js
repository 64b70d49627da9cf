// The person's unread notification count, live (`notificationAdded`).

import { signal } from "../vendor/signals.js";
import { gql, live } from "../api/client.js";

export const unreadNotifications = signal(0);
/** Notifications that arrived while this tab was open, newest first. */
export const arrived = signal(/** @type {any[]} */ ([]));

const COUNT = "query UnreadNotificationCount { unreadNotificationCount }";
const ADDED = `subscription NotificationAdded {
  notificationAdded { id kind message createdAt readAt actor { handle displayName } }
}`;

export async function refreshCount() {
  const data = await gql(COUNT);
  unreadNotifications.value = data.unreadNotificationCount;
}

/** Starts watching; returns the stop function. */
export function watchNotifications() {
  refreshCount().catch(() => {});
  return live(ADDED, () => ({}), (data) => {
    arrived.value = [data.notificationAdded, ...arrived.value];
    unreadNotifications.value += 1;
  }, { onResume: () => { refreshCount().catch(() => {}); } });
}
