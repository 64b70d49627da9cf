// A department's round for one week: who shared (their check-ins, with
// reactions and comments), who has not yet, who is excused. Live through
// `roundChanged(department)`: a check-in submitted or changed, or a
// challenge resolved, replaces the one shown.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { CheckinView } from "./checkin.js";
import { WEEKLY_ROUND, ROUND_CHANGED } from "./documents.js";
import "./i18n.js";

/** @param {{ department: { id: string, name: string }, week: string | null }} props */
export function DepartmentRound({ department, week }) {
  const [round, setRound] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));

  useEffect(() => {
    setRound(null);
    setError(null);
    gql(WEEKLY_ROUND, { week, department: department.id }).then((d) => setRound(d.weeklyRound)).catch(setError);
    // Loaded or not, changes from now on are applied as they come.
    return live(ROUND_CHANGED, () => ({ department: department.id }), (d) => {
      const checkin = d.roundChanged;
      setRound((/** @type {any} */ now) => now && now.week === checkin.week ? withCheckin(now, checkin) : now);
    });
  }, [department.id, week]);

  if (error) return html`<${ErrorText} error=${error} />`;
  if (!round) return html`<p class="muted">${t("app.loading")}</p>`;

  /** @param {string} status */
  const who = (status) => round.members.filter((/** @type {any} */ m) => m.status === status);
  const shared = who("SUBMITTED").filter((/** @type {any} */ m) => m.checkin);
  const missing = who("MISSING");
  const excused = who("EXCUSED");
  return html`
    <div class="department-round">
      <p class="summary">
        ${t("round.summary", { submitted: round.submittedCount, expected: round.submittedCount + round.missingCount })}
        ${round.participation !== null ? html` · ${t("round.participation", { percent: Math.round(round.participation * 100) })}` : null}
        ${round.excusedCount ? html` · ${t("round.excusedCount", { count: round.excusedCount })}` : null}
        ${" · "}${round.averageMood !== null ? t("round.averageMood", { mood: round.averageMood.toFixed(1) }) : t("round.moodHidden")}
      </p>
      <h3 class="visually-hidden">${t("round.sharedHeading")}</h3>
      ${shared.length ? html`
        <ul class="plain checkins">
          ${shared.map((/** @type {any} */ m) => html`<li key=${m.person.id}><${CheckinView} checkin=${m.checkin}
            onChange=${(/** @type {any} */ c) => setRound((/** @type {any} */ now) => withCheckin(now, c))} /></li>`)}
        </ul>` : html`<p class="muted">${t("round.nobodyYet")}</p>`}
      <div class="absent">
        <section aria-labelledby="round-missing">
          <h3 id="round-missing">${t("round.missingHeading", { count: missing.length })}</h3>
          ${missing.length ? html`<ul class="plain people">${missing.map((/** @type {any} */ m) => html`<li key=${m.person.id}><a href=${`/people/${m.person.handle}`}>${m.person.displayName}</a></li>`)}</ul>`
            : html`<p class="muted">${t("round.nobodyMissing")}</p>`}
        </section>
        <section aria-labelledby="round-excused">
          <h3 id="round-excused">${t("round.excusedHeading", { count: excused.length })}</h3>
          ${excused.length ? html`<ul class="plain people">${excused.map((/** @type {any} */ m) => html`<li key=${m.person.id}><a href=${`/people/${m.person.handle}`}>${m.person.displayName}</a></li>`)}</ul>`
            : html`<p class="muted">${t("round.nobodyExcused")}</p>`}
        </section>
      </div>
    </div>`;
}

/**
 * The round with one check-in as it is now: its author counted as having
 * shared (a check-in arriving live moves them out of "not yet").
 * @param {any} round @param {any} checkin
 */
function withCheckin(round, checkin) {
  const member = round.members.find((/** @type {any} */ m) => m.person.id === checkin.author.id);
  if (!member) return round;
  const before = member.status;
  const members = round.members.map((/** @type {any} */ m) => m === member ? { ...m, status: "SUBMITTED", checkin } : m);
  const counts = before === "SUBMITTED" ? {}
    : before === "MISSING" ? { submittedCount: round.submittedCount + 1, missingCount: round.missingCount - 1 }
    : { submittedCount: round.submittedCount + 1, excusedCount: round.excusedCount - 1 };
  const next = { ...round, ...counts, members };
  if (before === "MISSING") next.participation = next.submittedCount / (next.submittedCount + next.missingCount);
  return next;
}
