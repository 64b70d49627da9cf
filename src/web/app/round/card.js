// The home screen's card: where my check-in for this week stands (not yet,
// shared, or excused because I am away or it is a holiday), with a link.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { CHECKIN_STATE, MY_LATEST } from "./documents.js";
import { currentWeek } from "./week.js";
import "./i18n.js";

export function CheckinCard() {
  const person = me.value;
  const [status, setStatus] = useState(/** @type {"SUBMITTED" | "MISSING" | "EXCUSED" | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const department = person?.departments[0] ?? null;
  useEffect(() => {
    if (!person) return;
    // A member of a department: the round says whether I am expected.
    // Without one: only whether this week's check-in exists.
    const load = department
      ? gql(CHECKIN_STATE, { department: department.id }).then((d) =>
          d.weeklyRound.members.find((/** @type {any} */ m) => m.person.id === person.id)?.status ?? "MISSING")
      : gql(MY_LATEST).then((d) => d.myCheckins.nodes[0]?.week === currentWeek() ? "SUBMITTED" : "MISSING");
    load.then(setStatus).catch(setError);
  }, [person?.id]);

  const text = status === "SUBMITTED" ? t("round.cardShared")
    : status === "EXCUSED" ? t("round.cardExcused")
    : status === "MISSING" ? t("round.cardNotYet") : null;
  return html`
    <section class="card checkin-card" aria-labelledby="home-checkin">
      <h2 id="home-checkin">${t("round.cardTitle")}</h2>
      <${ErrorText} error=${error} />
      ${text ? html`<p class=${`checkin-state state-${status?.toLowerCase()}`}>${text}</p>` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
      <p><a href="/round">${status === "MISSING" ? t("round.cardShare") : t("round.cardOpen")}</a></p>
    </section>`;
}
