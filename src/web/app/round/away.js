// My time away: periods not yet ended, one to add, one to cancel. While a
// period covers a week's Monday I am excused from that week's round. The
// company holidays ahead are listed beside them: they excuse everyone.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { MY_AWAY, SET_AWAY, CANCEL_AWAY } from "./documents.js";
import { today, addDays, formatDate } from "./week.js";
import "./i18n.js";

export function Away() {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const [listError, setListError] = useState(/** @type {any} */ (null));
  const [form, setForm] = useState({ from: "", to: "", note: "" });
  const [busy, setBusy] = useState(false);
  const load = () => {
    const from = today();
    return gql(MY_AWAY, { from, to: addDays(from, 120) }).then(setData);
  };
  useEffect(() => { load().catch(setListError); }, []);

  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(SET_AWAY, { input: form });
      setForm({ from: "", to: "", note: "" });
      await load();
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  /** @param {string} id */
  const cancel = async (id) => {
    setListError(null);
    try {
      await gql(CANCEL_AWAY, { input: { id } });
      await load();
    } catch (e) { setListError(e); }
  };
  /** @param {"from" | "to" | "note"} field */
  const input = (field) => (/** @type {Event} */ e) => setForm({ ...form, [field]: /** @type {HTMLInputElement} */ (e.target).value });

  const errors = { from: fieldError(error, "from"), to: fieldError(error, "to"), note: fieldError(error, "note") };
  /** @param {"from" | "to" | "note"} field */
  const described = (field) => errors[field] ? `away-${field}-error` : null;
  /** @param {"from" | "to" | "note"} field */
  const errorAt = (field) => errors[field] ? html`<p class="error" id=${`away-${field}-error`} role="alert">${errors[field]}</p>` : null;
  return html`
    <section class="card away" aria-labelledby="round-away">
      <h2 id="round-away">${t("round.away")}</h2>
      <p class="muted">${t("round.awayLead")}</p>
      <${ErrorText} error=${listError} />
      ${!data ? html`<p class="muted">${t("app.loading")}</p>` : data.myAway.length ? html`
        <ul class="plain away-list">
          ${data.myAway.map((/** @type {any} */ a) => html`
            <li key=${a.id}>
              <span>${t("round.awayPeriod", { from: formatDate(a.from), to: formatDate(a.to) })}${a.note ? html` · <span class="muted">${a.note}</span>` : null}</span>
              <button type="button" onClick=${() => cancel(a.id)}
                aria-label=${t("round.cancelAwayNamed", { from: formatDate(a.from), to: formatDate(a.to) })}>${t("round.cancelAway")}</button>
            </li>`)}
        </ul>` : html`<p class="muted">${t("round.noAway")}</p>`}
      <form class="away-form" onSubmit=${submit}>
        <h3>${t("round.addAway")}</h3>
        <div class="dates">
          <div>
            <label for="away-from">${t("round.awayFrom")}</label>
            <input id="away-from" type="date" required value=${form.from} onInput=${input("from")}
              aria-invalid=${errors.from ? "true" : "false"} aria-describedby=${described("from")} />
            ${errorAt("from")}
          </div>
          <div>
            <label for="away-to">${t("round.awayTo")}</label>
            <input id="away-to" type="date" required value=${form.to} onInput=${input("to")}
              aria-invalid=${errors.to ? "true" : "false"} aria-describedby=${described("to")} />
            ${errorAt("to")}
          </div>
        </div>
        <label for="away-note">${t("round.awayNote")}</label>
        <input id="away-note" maxlength="500" value=${form.note} onInput=${input("note")}
          aria-invalid=${errors.note ? "true" : "false"} aria-describedby=${described("note")} />
        ${errorAt("note")}
        ${error && !errors.from && !errors.to && !errors.note ? html`<${ErrorText} error=${error} />` : null}
        <button type="submit" class="primary" disabled=${busy}>${t("round.saveAway")}</button>
      </form>
      ${data?.holidays.length ? html`
        <h3>${t("round.holidays")}</h3>
        <ul class="plain">${data.holidays.map((/** @type {any} */ h) => html`<li key=${h.id}>${formatDate(h.day, true)} · ${h.name}</li>`)}</ul>` : null}
    </section>`;
}
