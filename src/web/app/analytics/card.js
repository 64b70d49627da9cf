// The home card for managers: links between departments that went quiet,
// with the way to the synapses screen.

import { html } from "../html.js";
import { t } from "../i18n/index.js";
import { QuietList } from "./lists.js";
import { QUIET_DAYS } from "./figures.js";
import "./i18n.js";

export function QuietLinksCard() {
  return html`
    <section class="card" aria-labelledby="home-quiet">
      <h2 id="home-quiet">${t("analytics.quietTitle")}</h2>
      <${QuietList} days=${QUIET_DAYS} limit=${5} />
      <p><a href="/analytics">${t("analytics.open")}</a></p>
    </section>`;
}
