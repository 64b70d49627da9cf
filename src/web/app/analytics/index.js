// The synapses (issue 16): how strongly departments work across their
// borders. A heat map of department × department crossing activity over a
// period (last 4 weeks or quarter, in the address as `?period=quarter`),
// the figures behind one department's row, its activity over time, links
// that went quiet, the people who bridge departments (comms and admins:
// individuals are never ranked for managers) and the viewer's own network.
// Managers see the pairs that touch their departments; staff get the
// server's FORBIDDEN as a message (the sidebar hides the link already).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { route, navigate } from "../router.js";
import { me, isComms } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { SYNAPSES } from "./documents.js";
import { periodRange, QUIET_DAYS } from "./figures.js";
import { HeatMap, PairDetails } from "./heatmap.js";
import { Activity } from "./activity.js";
import { QuietLinks, Bridges, MyNetwork } from "./lists.js";
import "./i18n.js";

export function Analytics() {
  const person = me.value;
  /** @type {import("./figures.js").Period} */
  const period = route.value.query.get("period") === "quarter" ? "quarter" : "month";
  const range = periodRange(period);
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const [selected, setSelected] = useState(/** @type {string | null} */ (null));

  useEffect(() => {
    setError(null);
    gql(SYNAPSES, range).then(setData).catch(setError);
  }, [period]);

  if (error?.code === "FORBIDDEN") {
    return html`
      <section class="screen analytics" aria-labelledby="analytics-title">
        <h1 id="analytics-title">${t("analytics.title")}</h1>
        <div class="card forbidden" role="alert">
          <p><strong>${t("analytics.forbidden")}</strong></p>
          <p>${t("analytics.forbiddenWhy")}</p>
          <p><a href="/">${t("analytics.backHome")}</a></p>
        </div>
      </section>`;
  }

  const all = /** @type {{ id: string, slug: string, name: string }[]} */ (data?.departments.nodes ?? []);
  // Rows: the departments the viewer's figures are about (a manager's own,
  // everything for comms and admins); columns: every department.
  const mine = new Set((person?.departments ?? []).map((d) => d.slug));
  const rows = isComms(person) ? all : all.filter((d) => mine.has(d.slug));
  const current = rows.find((d) => d.slug === selected) ?? rows[0] ?? null;

  /** @param {import("./figures.js").Period} next */
  const choose = (next) => navigate(next === "quarter" ? "/analytics?period=quarter" : "/analytics", { replace: true });

  return html`
    <section class="screen analytics" aria-labelledby="analytics-title">
      <h1 id="analytics-title">${t("analytics.title")}</h1>
      <p class="muted lead">${t("analytics.lead")}</p>
      <fieldset class="period-picker">
        <legend>${t("analytics.period")}</legend>
        ${(/** @type {const} */ (["month", "quarter"])).map((p) => html`
          <label class="check">
            <input type="radio" name="analytics-period" value=${p} checked=${period === p}
              onChange=${() => choose(p)} />
            ${t(`analytics.period.${p}`)}
          </label>`)}
      </fieldset>
      <${ErrorText} error=${error} />
      ${data ? html`
        <section class="card heat-card" aria-labelledby="heat-title">
          <h2 id="heat-title">${t("analytics.heatTitle")}</h2>
          ${rows.length
            ? html`
              <${HeatMap} synapses=${data.synapses} rows=${rows} columns=${all} period=${period}
                selected=${current?.slug ?? null} onSelect=${setSelected} />
              ${current ? html`<${PairDetails} synapses=${data.synapses} department=${current} />` : null}`
            : html`<p class="muted">${t("analytics.noDepartments")}</p>`}
        </section>
        <div class="analytics-grid">
          <${Activity} departments=${rows} initial=${current?.id ?? null} range=${range} period=${period} />
          <${QuietLinks} days=${QUIET_DAYS} />
          ${isComms(person) ? html`<${Bridges} range=${range} />` : null}
          <${MyNetwork} range=${range} />
        </div>` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}
