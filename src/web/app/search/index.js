// The search screen (`/search?q=…&kind=…&channel=…&from=…&to=…`). For
// everything, the best five of each kind (one request), the groups in the
// order of their best hit, each with a link to all of its kind; for one
// kind, twenty at a time. Each hit shows the server's snippet (escaped
// text with <mark>, through ui/body.js) and leads to the thing: a message
// opens in its channel or thread, scrolled to and highlighted. ↑/↓ move
// between hits.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { route, navigate, messageHref } from "../router.js";
import { myChannels } from "../state/channels.js";
import { t, formatDateTime } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { Body } from "../ui/body.js";
import { BOX_ID } from "./box.js";
import { KINDS, SEARCH, SEARCH_ALL } from "./documents.js";
import "./i18n.js";

/** Where a hit leads.
 * @param {any} hit */
function hitHref(hit) {
  const n = hit.node;
  switch (hit.kind) {
    case "MESSAGE": return messageHref(n);
    case "POST": return `/posts/${n.id}`;
    case "CHECKIN": return `/round/checkins/${n.id}`;
    case "PERSON": return `/people/${n.handle}`;
    default: return `/c/${n.slug}`;
  }
}

/** A hit's one-line name.
 * @param {any} hit */
function hitTitle(hit) {
  const n = hit.node;
  switch (hit.kind) {
    case "MESSAGE": return t(n.parent ? "search.replyIn" : "search.messageIn", { name: n.author.displayName, channel: n.channel.name });
    case "POST": return t("search.postBy", { title: n.title, name: n.author.displayName });
    case "CHECKIN": return t("search.checkinOf", { name: n.author.displayName, week: n.week });
    case "PERSON": return n.title ? `${n.displayName} · ${n.title}` : n.displayName;
    default: return `# ${n.name}`;
  }
}

/** @typedef {{ kind: string, hits: any[], more: boolean }} Group */

/** The groups of a SEARCH_ALL answer that found something, the one with the
 * best hit first (scores compare within one search; each alias is one,
 * but all rank the same terms the same way).
 * @param {any} data @returns {Group[]} */
function groupsOf(data) {
  return KINDS
    .map((kind) => ({ kind, hits: data[kind].edges.map((/** @type {any} */ e) => e.node), more: data[kind].pageInfo.hasNextPage }))
    .filter((g) => g.hits.length)
    .sort((a, b) => b.hits[0].score - a.hits[0].score);
}

/** ↑/↓ between the hits; ↑ from the first goes back to the box.
 * @param {KeyboardEvent} event */
function onResultsKey(event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const links = /** @type {HTMLElement[]} */ ([...document.querySelectorAll(".search-results [data-hit]")]);
  const at = links.indexOf(/** @type {HTMLElement} */ (event.target));
  if (at < 0) return;
  event.preventDefault();
  const next = at + (event.key === "ArrowDown" ? 1 : -1);
  if (next < 0) document.getElementById(BOX_ID)?.focus();
  else links[Math.min(next, links.length - 1)].focus();
}

export function Search() {
  const params = route.value.query;
  const query = params.get("q") ?? "";
  const kind = params.get("kind") ?? "";
  const channel = params.get("channel") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const [result, setResult] = useState(/** @type {{ key: string, groups: Group[], next: string | null } | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const key = JSON.stringify([query, kind, channel, from, to]);
  const variables = { query, channel: channel || null, from: from || null, to: to || null };

  /** One kind's page after `after`, as a group.
   * @param {string | null} after */
  const page = (after) => gql(SEARCH, { ...variables, kinds: [kind], after }).then((d) => ({
    hits: d.search.edges.map((/** @type {any} */ e) => e.node),
    next: d.search.pageInfo.hasNextPage ? d.search.pageInfo.endCursor : null,
  }));

  useEffect(() => {
    setError(null);
    if (!query.trim()) {
      setResult({ key, groups: [], next: null });
      return;
    }
    let current = true;
    const found = kind
      ? page(null).then(({ hits, next }) => ({ key, groups: hits.length ? [{ kind, hits, more: false }] : [], next }))
      : gql(SEARCH_ALL, variables).then((d) => ({ key, groups: groupsOf(d), next: null }));
    // A later search may have answered first: only the newest counts.
    found.then((r) => { if (current) setResult(r); }).catch((e) => { if (current) setError(e); });
    return () => { current = false; };
  }, [key]);

  const more = () => {
    if (!result?.next) return;
    page(result.next)
      .then(({ hits, next }) => setResult((shown) => shown && shown.key === key
        ? { key, groups: [{ kind, hits: [...shown.groups[0].hits, ...hits], more: false }], next }
        : shown))
      .catch(setError);
  };
  /** @param {string} name @param {string} value */
  const setFilter = (name, value) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/search?${next}`, { replace: true });
  };
  const queryError = fieldError(error, "query");
  const groups = result?.key === key ? result.groups : null;
  const count = groups ? groups.reduce((n, g) => n + g.hits.length, 0) : 0;
  const moreExist = !!result?.next || !!groups?.some((g) => g.more);
  return html`
    <section class="screen search" aria-labelledby="search-title">
      <h1 id="search-title">${t("search.title")}</h1>
      <p class="muted hint">${t("search.hint")}</p>
      <div class="search-filters">
        <label>${t("search.kind")}
          <select value=${kind} onChange=${(/** @type {Event} */ e) => setFilter("kind", /** @type {HTMLSelectElement} */ (e.target).value)}>
            <option value="">${t("search.all")}</option>
            ${KINDS.map((k) => html`<option value=${k}>${t(`search.kind.${k}`)}</option>`)}
          </select>
        </label>
        <label>${t("search.channel")}
          <select value=${channel} onChange=${(/** @type {Event} */ e) => setFilter("channel", /** @type {HTMLSelectElement} */ (e.target).value)}>
            <option value="">${t("search.anyChannel")}</option>
            ${myChannels.value.map((c) => html`<option value=${c.slug}># ${c.name}</option>`)}
          </select>
        </label>
        <label>${t("search.from")}
          <input type="date" value=${from} onChange=${(/** @type {Event} */ e) => setFilter("from", /** @type {HTMLInputElement} */ (e.target).value)} />
        </label>
        <label>${t("search.to")}
          <input type="date" value=${to} onChange=${(/** @type {Event} */ e) => setFilter("to", /** @type {HTMLInputElement} */ (e.target).value)} />
        </label>
      </div>
      ${queryError ? html`<p class="error" role="alert">${queryError}</p>` : html`<${ErrorText} error=${error} />`}
      ${!query.trim() ? html`<p class="muted">${t("search.start")}</p>`
        : !groups ? (error ? null : html`<p class="muted" role="status">${t("app.loading")}</p>`)
        : !groups.length ? html`<p class="muted" role="status">${t("search.none", { query })}</p>`
        : html`
          <p class="muted" role="status">${moreExist ? t("search.foundMore", { count }) : t("search.found", { count })}</p>
          <div class="search-results" onKeyDown=${onResultsKey}>
            ${groups.map((g) => html`
              <section aria-labelledby=${`search-${g.kind}`}>
                <h2 id=${`search-${g.kind}`}>${t(`search.kind.${g.kind}`)}</h2>
                <ul class="plain">
                  ${g.hits.map((hit) => html`
                    <li key=${hit.node.id}>
                      <a href=${hitHref(hit)} data-hit=${hit.node.id}>${hitTitle(hit)}</a>
                      ${hit.kind === "MESSAGE" ? html` <time class="muted" datetime=${hit.node.createdAt}>${formatDateTime(hit.node.createdAt)}</time>` : null}
                      ${hit.snippet ? html`<${Body} bodyHtml=${hit.snippet} class="snippet" />` : null}
                    </li>`)}
                </ul>
                ${g.more ? html`<button type="button" onClick=${() => setFilter("kind", g.kind)}>${t("search.allOf", { kind: t(`search.kind.${g.kind}`).toLowerCase() })}</button>` : null}
              </section>`)}
          </div>
          ${result?.next ? html`<button type="button" onClick=${more}>${t("search.more")}</button>` : null}`}
    </section>`;
}
