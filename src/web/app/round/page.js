// One check-in on its own page: where a routed challenge's thread and the
// weekly digest link to (`/round/checkins/<id>`, the check-in's UUID as the
// server writes it). Exported as `CheckinPage` for the router.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { CheckinView } from "./checkin.js";
import { CHECKIN_NODE } from "./documents.js";
import "./i18n.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The global id of a check-in named by its UUID in a link. The links carry
 * the UUID (docs/ARCHITECTURE.md, `checkins::link`); the API's ids are
 * `Checkin:<uuid>` in unpadded URL-safe base64. A global id passes as it is.
 * @param {string} id
 */
export function checkinId(id) {
  if (!UUID.test(id)) return id;
  return btoa(`Checkin:${id.toLowerCase()}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @param {{ id: string }} props */
export function CheckinPage({ id }) {
  const [checkin, setCheckin] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    setCheckin(null);
    gql(CHECKIN_NODE, { id: checkinId(id) }).then((d) => {
      if (d.node?.id) setCheckin(d.node);
      else setError({ code: "NOT_FOUND", message: t("round.checkinNotFound") });
    }).catch(setError);
  }, [id]);
  return html`
    <section class="screen round" aria-labelledby="checkin-title">
      <h1 id="checkin-title">${checkin
        ? t("round.checkinTitle", { name: checkin.author.displayName, week: checkin.week.split("-W")[1].replace(/^0/, "") })
        : t("round.title")}</h1>
      <p><a href="/round">${t("round.toMine")}</a></p>
      <${ErrorText} error=${error} />
      ${checkin ? html`<${CheckinView} checkin=${checkin} onChange=${setCheckin} />`
        : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}
