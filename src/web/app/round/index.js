// The weekly round (issue 16): my check-in for this week, a department's
// round (mine by default, any other by picking it: `/round/:department`),
// the challenges other departments addressed to it, and my time away.
// `?week=2026-W49` looks back at an earlier week. `CheckinPage` shows one
// check-in (`/round/checkins/:id`, the links in routed threads and digests).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { route, navigate } from "../router.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { MyCheckin } from "./mine.js";
import { DepartmentRound } from "./department.js";
import { Routed } from "./routed.js";
import { Away } from "./away.js";
import { DEPARTMENTS } from "./documents.js";
import { currentWeek, mondayOf, shiftWeek, addDays, formatDate } from "./week.js";
import "./i18n.js";

export { CheckinPage } from "./page.js";

/** @param {{ department?: string }} props  a department's slug, from the route */
export function Round({ department: slug }) {
  const [departments, setDepartments] = useState(/** @type {{ id: string, slug: string, name: string }[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => { gql(DEPARTMENTS).then((d) => setDepartments(d.departments.nodes)).catch(setError); }, []);

  const person = me.value;
  const asked = route.value.query.get("week");
  const now = currentWeek();
  // Only earlier weeks can be looked at (a later one is the server's BAD_USER_INPUT).
  const week = asked && /^\d{4}-W\d{2}$/.test(asked) && asked < now ? asked : null;
  const shown = week ?? now;
  const mine = !slug;
  const chosenSlug = slug ?? person?.departments[0]?.slug ?? null;
  const department = departments?.find((d) => d.slug === chosenSlug) ?? null;
  /** @param {string | null} to  a department slug @param {string | null} w */
  const href = (to, w) => `/round${to && (!mine || to !== chosenSlug) ? `/${to}` : ""}${w && w !== now ? `?week=${w}` : ""}`;
  const monday = mondayOf(shown);

  return html`
    <section class="screen round" aria-labelledby="round-title">
      <h1 id="round-title">${t("round.title")}</h1>
      <nav class="weeks" aria-label=${t("round.weeks")}>
        <a href=${href(slug ?? null, shiftWeek(shown, -1))}>${t("round.previousWeek")}</a>
        <strong aria-current="page">${t("round.weekOf", { week: shown.split("-W")[1].replace(/^0/, ""), from: formatDate(monday), to: formatDate(addDays(monday, 6)) })}</strong>
        ${week ? html`<a href=${href(slug ?? null, shiftWeek(shown, 1))}>${t("round.nextWeek")}</a>` : null}
      </nav>
      ${mine ? null : html`<p><a href=${href(null, week)}>${t("round.toMine")}</a></p>`}
      <${ErrorText} error=${error} />
      <div class="round-layout">
        ${mine && !week && departments ? html`<${MyCheckin} departments=${departments} />` : null}
        <section class="card round-department" aria-labelledby="round-department">
          <h2 id="round-department">${department ? t("round.roundOf", { name: department.name }) : t("round.roundTitle")}</h2>
          ${departments ? html`
            <label for="round-pick">${t("round.pickDepartment")}</label>
            <select id="round-pick" value=${chosenSlug ?? ""}
              onChange=${(/** @type {Event} */ e) => navigate(`/round/${/** @type {HTMLSelectElement} */ (e.target).value}${week ? `?week=${week}` : ""}`)}>
              ${chosenSlug ? null : html`<option value="">${t("round.choose")}</option>`}
              ${departments.map((d) => html`<option value=${d.slug}>${d.name}</option>`)}
            </select>` : null}
          ${department ? html`<${DepartmentRound} department=${department} week=${week} />`
            : departments && chosenSlug ? html`<p class="error" role="alert">${t("round.noSuchDepartment")}</p>`
            : departments ? html`<p class="muted">${t("round.noOwnDepartment")}</p>` : html`<p class="muted">${t("app.loading")}</p>`}
        </section>
        ${department && departments ? html`
          <section class="card round-routed" aria-labelledby="round-routed">
            <h2 id="round-routed">${t("round.routedTo", { name: department.name })}</h2>
            <${Routed} department=${department} departments=${departments} week=${week} />
          </section>` : null}
        ${mine ? html`<${Away} />` : null}
      </div>
    </section>`;
}
