// A department's activity over the period, week by week: its members'
// messages, replies and reactions (anywhere) as simple bars, the people
// active and their check-in participation. A table, so the numbers are
// read out; the bars are decoration beside them.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { DEPARTMENT_ACTIVITY } from "./documents.js";
import { sum, barWidth, formatDate, formatNumber, formatPercent } from "./figures.js";

/**
 * @param {{ departments: { id: string, name: string }[], initial: string | null,
 *   range: { from: string, to: string }, period: string }} props
 */
export function Activity({ departments, initial, range, period }) {
  const [chosen, setChosen] = useState(/** @type {string | null} */ (null));
  const [buckets, setBuckets] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const department = departments.find((d) => d.id === chosen) ?? departments.find((d) => d.id === initial) ?? departments[0];
  const id = department?.id ?? null;

  useEffect(() => {
    if (!id) return;
    setBuckets(null);
    setError(null);
    gql(DEPARTMENT_ACTIVITY, { department: id, ...range, bucket: "WEEK" })
      .then((d) => setBuckets(d.departmentActivity))
      .catch(setError);
  }, [id, range.from, range.to]);

  if (!department) return null;
  const acts = (buckets ?? []).map((b) => sum([b.messages, b.replies, b.reactions]));
  const max = Math.max(0, ...acts.map((a) => a.value ?? 0));
  return html`
    <section class="card activity" aria-labelledby="activity-title">
      <h2 id="activity-title">${t("analytics.activityTitle")}</h2>
      ${departments.length > 1 ? html`
        <label for="activity-department">${t("analytics.department")}</label>
        <select id="activity-department" value=${department.id}
          onChange=${(/** @type {Event} */ e) => setChosen(/** @type {HTMLSelectElement} */ (e.target).value)}>
          ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>` : null}
      <${ErrorText} error=${error} />
      ${buckets ? html`
        <table class="activity-table">
          <caption>${t("analytics.activityCaption", { name: department.name, period: t(`analytics.period.${period}`) })}</caption>
          <thead>
            <tr>
              <th scope="col">${t("analytics.week")}</th>
              <th scope="col">${t("analytics.actsAnywhere")}</th>
              <th scope="col">${t("analytics.activePeople")}</th>
              <th scope="col">${t("analytics.participation")}</th>
            </tr>
          </thead>
          <tbody>
            ${buckets.map((b, i) => html`
              <tr>
                <th scope="row">${formatDate(b.from)}</th>
                <td class="bar-cell">
                  ${acts[i].suppressed
                    ? html`<span class="hidden-figure" title=${acts[i].reason ?? ""}>${t("analytics.suppressed")}</span>`
                    : html`<span class="bar-value">${formatNumber(acts[i].value ?? 0)}</span><span class=${`bar ${barWidth(acts[i].value ?? 0, max)}`} aria-hidden="true"></span>`}
                </td>
                <td>${b.activePeople.suppressed ? t("analytics.suppressed") : formatNumber(b.activePeople.value ?? 0)}</td>
                <td>${b.participation.suppressed ? t("analytics.suppressed")
                  : b.participation.value === null ? html`<span class="muted">${t("analytics.none")}</span>` : formatPercent(b.participation.value)}</td>
              </tr>`)}
          </tbody>
        </table>` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}
