// The channels the person has joined, with their read state from the
// server (unread and mention counts), kept live: the server tells every
// tab and device of the person when a channel's read state changes
// (`channelReadChanged`), so badges agree everywhere.

import { signal, computed } from "../vendor/signals.js";
import { gql, live } from "../api/client.js";

export const CHANNEL_SUMMARY = `fragment ChannelSummary on Channel {
  id slug name topic visibility archivedAt viewerHasMuted
  departments { id slug name }
  unreadCount mentionCount lastReadAt
}`;

const MY_CHANNELS = `query MyChannels {
  channels(joined: true, first: 100) { nodes { ...ChannelSummary } }
}
${CHANNEL_SUMMARY}`;

const READ_CHANGED = `subscription ChannelReadChanged {
  channelReadChanged { ...ChannelSummary }
}
${CHANNEL_SUMMARY}`;

const MARK_READ = `mutation MarkChannelRead($input: MarkChannelReadInput!) {
  markChannelRead(input: $input) { channel { ...ChannelSummary } }
}
${CHANNEL_SUMMARY}`;

/** @typedef {{ id: string, slug: string, name: string, topic: string, visibility: string, archivedAt: string | null, viewerHasMuted: boolean, departments: { id: string, slug: string, name: string }[], unreadCount: number | null, mentionCount: number | null, lastReadAt: string | null }} ChannelSummary */

export const myChannels = signal(/** @type {ChannelSummary[]} */ ([]));

/** Channels sorted by name: the order of the sidebar and of Alt+Shift+↑/↓. */
export const sortedChannels = computed(() =>
  [...myChannels.value].sort((a, b) => a.name.localeCompare(b.name)));

/** @type {(() => void) | null} */
let stopLive = null;

export async function loadMyChannels() {
  const data = await gql(MY_CHANNELS);
  myChannels.value = data.channels.nodes;
  stopLive?.();
  stopLive = live(READ_CHANGED, () => ({}), (data) => upsert(data.channelReadChanged), {
    // Back after a drop: counts may have moved meanwhile.
    onResume: () => { gql(MY_CHANNELS).then((d) => { myChannels.value = d.channels.nodes; }).catch(() => {}); },
  });
}

/** @param {ChannelSummary} channel */
export function upsert(channel) {
  const list = myChannels.value;
  const at = list.findIndex((c) => c.id === channel.id);
  myChannels.value = at === -1 ? [...list, channel] : list.map((c, i) => (i === at ? channel : c));
}

/** @param {string} id */
export function forget(id) {
  myChannels.value = myChannels.value.filter((c) => c.id !== id);
}

/** @type {Map<string, string>} */
const marked = new Map();

/**
 * Marks a channel read up to a message (the newest the person has seen).
 * @param {string} channelId
 * @param {string} upTo  a message id
 */
export async function markRead(channelId, upTo) {
  if (marked.get(channelId) === upTo) return;
  marked.set(channelId, upTo);
  const summary = myChannels.value.find((c) => c.id === channelId);
  if (!summary) return; // not a member: nothing to mark
  try {
    const data = await gql(MARK_READ, { input: { channelId, upTo } });
    upsert(data.markChannelRead.channel);
  } catch {
    marked.delete(channelId);
  }
}

/**
 * The next (1) or previous (-1) channel with unread messages, from the open one.
 * @param {1 | -1} direction
 */
export function nextUnread(direction) {
  const list = sortedChannels.value;
  const open = location.pathname.match(/^\/c\/([^/]+)/)?.[1];
  const from = list.findIndex((c) => c.slug === open);
  for (let step = 1; step <= list.length; step++) {
    const channel = list[(from + direction * step + list.length * 2) % list.length];
    if ((channel.unreadCount ?? 0) > 0 && channel.slug !== open) return channel;
  }
  return null;
}
