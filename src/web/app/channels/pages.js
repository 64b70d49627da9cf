// A channel's first page (its details and newest 50 messages), fetched at
// most once at a time per channel and kept for a short while, so opening a
// channel starts from what a hover or focus on its link already asked for
// (sidebar, switcher). What was posted since arrives through the
// conversation's `messageAdded(after:)`, which resumes from the page's
// newest message: a kept page is never stale for long.

import { gql } from "../api/client.js";
import { CHANNEL_PAGE } from "./documents.js";

const KEEP_MS = 30_000;

/** @type {Map<string, { at: number, page: Promise<any> }>} */
const kept = new Map();

/**
 * The `ChannelPage` data for `slug`: the kept one when fresh, else fetched.
 * @param {string} slug
 * @returns {Promise<any>}
 */
export function channelPage(slug) {
  const entry = kept.get(slug);
  if (entry && Date.now() - entry.at < KEEP_MS) return entry.page;
  const page = gql(CHANNEL_PAGE, { slug });
  kept.set(slug, { at: Date.now(), page });
  page.catch(() => kept.delete(slug));
  return page;
}

/** Starts fetching a channel the person is likely to open next.
 * @param {string} slug */
export function prefetch(slug) {
  channelPage(slug).catch(() => {});
}

/** Forgets a channel's kept page (after leaving it, for example).
 * @param {string} slug */
export function forgetPage(slug) {
  kept.delete(slug);
}
