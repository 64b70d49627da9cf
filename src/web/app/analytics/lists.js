// The lists beside the heat map: links that went quiet (also on the home
// card), the people who bridge departments (comms and admins only) and
// the viewer's own network.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { QUIET_LINKS, BRIDGES, MY_NETWORK } from "./documents.js";
import { formatDate, formatNumber } from "./figures.js";

/** @typedef {{ from: string, to: string }} Range */

/**
 * Pairs that share a channel and talked once, but not in the last `days`
 * days: longest quiet first.
 * @param {{ days: number, limit?: number }} props
 */
export function QuietList({ days, limit }) {
  const [links, setLinks] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => { gql(QUIET_LINKS, { days }).then((d) => setLinks(d.quietLinks)).catch(setError); }, [days]);
  if (error) return html`<${ErrorText} error=${error} />`;
  if (!links) return html`<p class="muted">${t("app.loading")}</p>`;
  if (!links.length) return html`<p class="muted">${t("analytics.noQuiet", { days })}</p>`;
  const shown = limit ? links.slice(0, limit) : links;
  return html`
    <ul class="plain quiet-links">
      ${shown.map((l) => html`
        <li>
          <a href=${`/departments/${l.departments[0].slug}`}>${l.departments[0].name}</a> ↔
          <a href=${`/departments/${l.departments[1].slug}`}>${l.departments[1].name}</a>
          <span class="muted"> · ${t("analytics.quietSince", { date: formatDate(l.lastActiveOn) })}
            · ${l.usualWeeklyActs.suppressed || l.usualWeeklyActs.value === null
              ? t("analytics.usualHidden")
              : t("analytics.usual", { acts: formatNumber(Math.round(l.usualWeeklyActs.value)) })}
            · ${t("analytics.channels", { count: l.sharedChannels })}</span>
        </li>`)}
    </ul>
    ${limit && links.length > limit ? html`<p class="muted">${t("analytics.more", { count: links.length - limit })}</p>` : null}`;
}

/** @param {{ days: number }} props */
export function QuietLinks({ days }) {
  return html`
    <section class="card" aria-labelledby="quiet-title">
      <h2 id="quiet-title">${t("analytics.quietTitle")}</h2>
      <p class="muted">${t("analytics.quietLead", { days })}</p>
      <${QuietList} days=${days} />
    </section>`;
}

/** The people whose crossing acts reached the most departments.
 * @param {{ range: Range }} props */
export function Bridges({ range }) {
  const [bridges, setBridges] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    setBridges(null);
    gql(BRIDGES, { ...range, first: 10 }).then((d) => setBridges(d.bridges)).catch(setError);
  }, [range.from, range.to]);
  return html`
    <section class="card" aria-labelledby="bridges-title">
      <h2 id="bridges-title">${t("analytics.bridgesTitle")}</h2>
      <p class="muted">${t("analytics.bridgesLead")}</p>
      <${ErrorText} error=${error} />
      ${!bridges ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`)
        : !bridges.length ? html`<p class="muted">${t("analytics.noBridges")}</p>`
        : html`
          <ol class="bridges">
            ${bridges.map((b) => html`
              <li>
                <a href=${`/people/${b.user.handle}`}>${b.user.displayName}</a>
                <span class="muted"> · ${b.user.departments.map((/** @type {any} */ d) => d.name).join(", ")}</span>
                <div>${t("analytics.bridgeFigures", { count: b.departmentsReached, acts: formatNumber(b.acts) })}</div>
              </li>`)}
          </ol>`}
    </section>`;
}

/** The viewer's own reach: departments they crossed to, whom they helped
 * and who helped them. @param {{ range: Range }} props */
export function MyNetwork({ range }) {
  const [network, setNetwork] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    setNetwork(null);
    gql(MY_NETWORK, range).then((d) => setNetwork(d.myNetwork)).catch(setError);
  }, [range.from, range.to]);
  /** @param {{ user: { handle: string, displayName: string }, questions: number }[]} people */
  const persons = (people) => people.length
    ? html`<ul class="plain">${people.map((p) => html`
        <li><a href=${`/people/${p.user.handle}`}>${p.user.displayName}</a> <span class="muted">· ${t("analytics.questionsCount", { count: p.questions })}</span></li>`)}</ul>`
    : html`<p class="muted">${t("analytics.nobody")}</p>`;
  return html`
    <section class="card" aria-labelledby="network-title">
      <h2 id="network-title">${t("analytics.networkTitle")}</h2>
      <${ErrorText} error=${error} />
      ${!network ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`) : html`
        <h3>${t("analytics.reached")}</h3>
        ${network.departments.length
          ? html`<ul class="plain">${network.departments.map((/** @type {any} */ d) => html`
              <li><a href=${`/departments/${d.department.slug}`}>${d.department.name}</a> <span class="muted">· ${t("analytics.actsCount", { count: d.acts })}</span></li>`)}</ul>`
          : html`<p class="muted">${t("analytics.nowhere")}</p>`}
        <h3>${t("analytics.helped")}</h3>
        ${persons(network.helped)}
        <h3>${t("analytics.helpedBy")}</h3>
        ${persons(network.helpedBy)}`}
    </section>`;
}
