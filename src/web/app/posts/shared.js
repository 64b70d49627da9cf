// What the guest-post screens share: a post's status as a badge, a list of
// posts, and the fields of a draft kept in localStorage until saved.

import { html } from "../html.js";
import { useState, useRef } from "../vendor/hooks.js";
import { t, formatDateTime } from "../i18n/index.js";
import "./i18n.js";

/** @typedef {"DRAFT" | "IN_REVIEW" | "CHANGES_REQUESTED" | "APPROVED" | "SCHEDULED" | "PUBLISHED" | "REJECTED"} Status */

/** @param {{ status: Status }} props */
export function StatusBadge({ status }) {
  return html`<span class=${`post-status status-${status.toLowerCase()}`} data-status=${status}>${t(`posts.status.${status}`)}</span>`;
}

/**
 * Posts as links to their page, with status, department and when.
 * @param {{ posts: any[], empty: string, showAuthor?: boolean }} props
 */
export function PostList({ posts, empty, showAuthor = false }) {
  if (!posts.length) return html`<p class="muted">${empty}</p>`;
  return html`
    <ul class="post-list">
      ${posts.map((p) => html`
        <li>
          <a href=${`/posts/${p.id}`}>${p.title}</a>
          <span class="post-row-meta">
            <${StatusBadge} status=${p.status} />
            <span class="muted">
              ${showAuthor ? `${p.author.displayName} · ` : null}${p.department.name}${" · "}${p.status === "SCHEDULED" && p.publishAt
                ? t("posts.publishesAt", { when: formatDateTime(p.publishAt) })
                : p.status === "IN_REVIEW" && p.submittedAt
                  ? t("posts.submittedAt", { when: formatDateTime(p.submittedAt) })
                  : t("posts.updatedAt", { when: formatDateTime(p.updatedAt) })}
            </span>
          </span>
        </li>`)}
    </ul>`;
}

/** @typedef {{ title: string, body: string, excerpt: string, departmentId: string, plannedFor: string, slug: string }} Fields */

/** @param {string} key */
const storageKey = (key) => `synaps.post.${key}`;

/** @type {(keyof Fields)[]} */
const NAMES = ["title", "body", "excerpt", "departmentId", "plannedFor", "slug"];

/**
 * What is kept of a draft: the fields as typed, and the fields as the
 * server had them when typing started (to tell what was typed from what
 * was merely shown).
 * @param {string} key
 * @returns {{ fields: Fields, base: Fields } | null}
 */
function stored(key) {
  try {
    const value = JSON.parse(localStorage.getItem(storageKey(key)) ?? "null");
    return value?.fields && value?.base ? value : null;
  } catch {
    return null;
  }
}

/**
 * The fields typed over `base`, on top of what the server has now: a field
 * the person did not touch shows the server's current value, so an edit
 * from another tab is not overwritten by a stale copy.
 * @param {Fields} typed @param {Fields} base @param {Fields} fresh
 */
function merge(typed, base, fresh) {
  const next = { ...fresh };
  for (const name of NAMES) {
    if ((typed[name] ?? "") !== (base[name] ?? "")) next[name] = typed[name];
  }
  return next;
}

/**
 * The editor's fields, kept in localStorage under `key` from the first
 * keystroke until `forget()` (after a save), so an error, an expired
 * session or a reload loses nothing typed.
 * @param {string} key  "new", or the post's id
 * @param {Fields} saved  the fields as the server has them
 */
export function useDraft(key, saved) {
  const base = useRef(saved);
  const [fields, setFields] = useState(() => {
    const kept = stored(key);
    return kept ? merge(kept.fields, kept.base, saved) : saved;
  });
  /** @param {keyof Fields} name @param {string} value */
  const set = (name, value) => {
    setFields((now) => {
      const next = { ...now, [name]: value };
      localStorage.setItem(storageKey(key), JSON.stringify({ fields: next, base: base.current }));
      return next;
    });
  };
  /** Drops the kept copy and shows `fresh` (what the server now has). @param {Fields} fresh */
  const forget = (fresh) => {
    localStorage.removeItem(storageKey(key));
    base.current = fresh;
    setFields(fresh);
  };
  /** Shows what the server now has, keeping what was typed. @param {Fields} fresh */
  const refresh = (fresh) => {
    const before = base.current;
    base.current = fresh;
    setFields((now) => {
      const next = merge(now, before, fresh);
      if (stored(key)) localStorage.setItem(storageKey(key), JSON.stringify({ fields: next, base: fresh }));
      return next;
    });
  };
  const changed = NAMES.filter((name) => (fields[name] ?? "") !== (saved[name] ?? ""));
  const [restored] = useState(() => stored(key) !== null);
  return { fields, set, forget, refresh, changed, restored: restored && changed.length > 0 };
}

/** The editable fields of a post as the server has them. @param {any} post @returns {Fields} */
export function fieldsOf(post) {
  return {
    title: post.title,
    body: post.body,
    excerpt: post.excerpt ?? "",
    departmentId: post.department.id,
    plannedFor: post.plannedFor ?? "",
    slug: post.slug ?? "",
  };
}

/** An error as this screen shows it: a stale version gets its own words. @param {any} e */
export function explain(e) {
  if (e?.code === "CONFLICT" && e.field === "expectedVersion") return { code: "CONFLICT", message: t("posts.conflict"), field: null };
  if (e?.code === "NOT_FOUND") return { code: "NOT_FOUND", message: t("posts.notFound"), field: null };
  return e;
}

/**
 * The instant a `datetime-local` value names in the person's own time zone
 * (`timeZone`, from their profile), not the browser's: ISO 8601 UTC.
 * @param {string} local  `YYYY-MM-DDTHH:MM`
 * @param {string} zone  an IANA time zone
 */
export function zonedToIso(local, zone) {
  const [date, time] = local.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The zone's offset at a guess, then at the corrected instant (DST edges).
  let instant = wall - offset(wall, zone);
  instant = wall - offset(instant, zone);
  return new Date(instant).toISOString();
}

/** Milliseconds `zone` is ahead of UTC at `instant`. @param {number} instant @param {string} zone */
function offset(instant, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}
