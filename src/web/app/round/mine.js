// My check-in for this week: wins (markdown), challenges (each optionally
// addressed to another department) and a mood only I see back. Saved with
// `submitCheckin`, which replaces the whole check-in, so a kept challenge
// is sent with its id (keeping its thread, answer and resolution) and a
// removed one is left out. Editable while the week is open. Last week's
// unresolved challenges are offered to carry over or resolve. On an error
// the form stays as typed and the message sits at the field concerned.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { Body } from "../ui/body.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { CheckinView, moodText } from "./checkin.js";
import { MY_CHECKIN, SUBMIT, RESOLVE } from "./documents.js";
import { currentWeek } from "./week.js";
import "./i18n.js";

/** @typedef {{ key: number, id: string | null, body: string, departmentId: string, locked: boolean }} Row */

let nextKey = 1;
/** @param {Partial<Row>} row @returns {Row} */
const makeRow = (row = {}) => ({ key: nextKey++, id: null, body: "", departmentId: "", locked: false, ...row });

/** @param {{ departments: { id: string, name: string }[] }} props */
export function MyCheckin({ departments }) {
  const [data, setData] = useState(/** @type {any} */ (null));
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => { gql(MY_CHECKIN).then(setData).catch(setError); }, []);

  if (!data) return html`<section class="card mine" aria-labelledby="round-mine"><h2 id="round-mine">${t("round.mine")}</h2>
    ${error ? html`<${ErrorText} error=${error} />` : html`<p class="muted">${t("app.loading")}</p>`}</section>`;

  const latest = data.myCheckins.nodes[0];
  const current = latest && latest.week === currentWeek() ? latest : null;
  const carried = data.myCarriedOver;
  return html`
    <section class="card mine" aria-labelledby="round-mine">
      <h2 id="round-mine">${t("round.mine")}</h2>
      ${current && !editing ? html`
        <p class="saved" role="status">${t("round.shared")}</p>
        <${CheckinView} checkin=${current} social=${false}
          onChange=${(/** @type {any} */ c) => setData({ ...data, myCheckins: { nodes: [c] } })} />
        <button type="button" onClick=${() => setEditing(true)}>${t("round.edit")}</button>`
      : html`<${CheckinForm} current=${current} carried=${carried} departments=${departments}
          onResolved=${(/** @type {string} */ id) => setData({ ...data, myCarriedOver: carried.filter((/** @type {any} */ x) => x.id !== id) })}
          onCancel=${current ? () => setEditing(false) : null}
          onSaved=${(/** @type {any} */ c) => { setData({ ...data, myCheckins: { nodes: [c] } }); setEditing(false); }} />`}
    </section>`;
}

/**
 * @param {{ current: any, carried: any[], departments: { id: string, name: string }[],
 *   onSaved: (c: any) => void, onResolved: (id: string) => void, onCancel: (() => void) | null }} props
 */
function CheckinForm({ current, carried, departments, onSaved, onResolved, onCancel }) {
  const own = new Set((me.value?.departments ?? []).map((d) => d.id));
  const others = departments.filter((d) => !own.has(d.id));
  const [wins, setWins] = useState(current?.wins ?? "");
  const [rows, setRows] = useState(/** @type {Row[]} */ (current
    ? current.challenges.map((/** @type {any} */ c) => makeRow({ id: c.id, body: c.body, departmentId: c.department?.id ?? "", locked: Boolean(c.department) }))
    : []));
  const [mood, setMood] = useState(/** @type {number | null} */ (current?.mood ?? null));
  const [carriedIn, setCarriedIn] = useState(/** @type {string[]} */ ([]));
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);

  /** @param {number} key @param {Partial<Row>} change */
  const edit = (key, change) => setRows(rows.map((r) => r.key === key ? { ...r, ...change } : r));

  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // An empty new row is one the person added and never used.
      const challenges = rows.filter((r) => r.id || r.body.trim())
        .map((r) => ({ id: r.id, body: r.body, departmentId: r.departmentId || null }));
      const data = await gql(SUBMIT, { input: { wins, challenges, mood } });
      onSaved(data.submitCheckin.checkin);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  /** @param {any} c */
  const resolve = async (c) => {
    try {
      await gql(RESOLVE, { input: { challengeId: c.id } });
      onResolved(c.id);
    } catch (e) { setError(e); }
  };

  const winsError = fieldError(error, "wins");
  const challengesError = fieldError(error, "challenges");
  const moodError = fieldError(error, "mood");
  const weekError = fieldError(error, "week");
  const offered = carried.filter((c) => !carriedIn.includes(c.id));
  return html`
    <form class="checkin-form" onSubmit=${submit} aria-describedby=${weekError ? "checkin-week-error" : null}>
      ${weekError ? html`<p class="error" id="checkin-week-error" role="alert">${weekError}</p>` : null}
      <label for="checkin-wins">${t("round.winsLabel")}</label>
      <p class="hint muted" id="checkin-wins-hint">${t("round.winsHint")}</p>
      <textarea id="checkin-wins" name="wins" rows="4" value=${wins} aria-invalid=${winsError ? "true" : "false"}
        aria-describedby=${winsError ? "checkin-wins-error" : "checkin-wins-hint"}
        onInput=${(/** @type {Event} */ e) => setWins(/** @type {HTMLTextAreaElement} */ (e.target).value)}></textarea>
      ${winsError ? html`<p class="error" id="checkin-wins-error" role="alert">${winsError}</p>` : null}

      ${offered.length ? html`
        <div class="carried">
          <h3>${t("round.carried")}</h3>
          <ul class="plain">
            ${offered.map((c) => html`
              <li key=${c.id}>
                <${Body} bodyHtml=${c.bodyHtml} />
                ${c.department ? html`<p class="muted">${t("round.askedOf", { name: c.department.name })}</p>` : null}
                <button type="button" onClick=${() => { setCarriedIn([...carriedIn, c.id]); setRows([...rows, makeRow({ body: c.body })]); }}>
                  ${t("round.carry")}</button>
                <button type="button" onClick=${() => resolve(c)}>${t("round.resolve")}</button>
              </li>`)}
          </ul>
        </div>` : null}

      <fieldset class="challenge-rows" aria-describedby=${challengesError ? "checkin-challenges-error" : null}>
        <legend>${t("round.challengesLabel")}</legend>
        ${rows.length ? null : html`<p class="muted">${t("round.noChallengesYet")}</p>`}
        ${rows.map((r, i) => html`
          <div class="challenge-row" key=${r.key}>
            <label for=${`challenge-${r.key}`}>${t("round.challengeN", { n: i + 1 })}</label>
            <textarea id=${`challenge-${r.key}`} rows="2" value=${r.body} aria-invalid=${challengesError ? "true" : "false"}
              onInput=${(/** @type {Event} */ e) => edit(r.key, { body: /** @type {HTMLTextAreaElement} */ (e.target).value })}></textarea>
            <label for=${`challenge-${r.key}-dept`}>${t("round.askDepartment")}</label>
            <select id=${`challenge-${r.key}-dept`} value=${r.departmentId} disabled=${r.locked}
              aria-describedby=${r.locked ? `challenge-${r.key}-locked` : null}
              onChange=${(/** @type {Event} */ e) => edit(r.key, { departmentId: /** @type {HTMLSelectElement} */ (e.target).value })}>
              <option value="">${t("round.noDepartment")}</option>
              ${(r.locked ? departments : others).map((d) => html`<option value=${d.id}>${d.name}</option>`)}
            </select>
            ${r.locked ? html`<p class="hint muted" id=${`challenge-${r.key}-locked`}>${t("round.lockedDepartment")}</p>` : null}
            <button type="button" onClick=${() => setRows(rows.filter((x) => x.key !== r.key))}
              aria-label=${t("round.removeChallengeN", { n: i + 1 })}>${t("round.removeChallenge")}</button>
          </div>`)}
        <button type="button" onClick=${() => setRows([...rows, makeRow()])}>${t("round.addChallenge")}</button>
      </fieldset>
      ${challengesError ? html`<p class="error" id="checkin-challenges-error" role="alert">${challengesError}</p>` : null}

      <fieldset class="mood-picker" aria-describedby=${moodError ? "checkin-mood-error" : "checkin-mood-hint"}>
        <legend>${t("round.moodLabel")}</legend>
        <p class="hint muted" id="checkin-mood-hint">${t("round.moodPrivate")}</p>
        ${[1, 2, 3, 4, 5].map((m) => html`
          <label class="check"><input type="radio" name="mood" value=${m} checked=${mood === m}
            onChange=${() => setMood(m)} /> ${m} · ${moodText(m)}</label>`)}
        <label class="check"><input type="radio" name="mood" value="" checked=${mood === null}
          onChange=${() => setMood(null)} /> ${t("round.moodNone")}</label>
      </fieldset>
      ${moodError ? html`<p class="error" id="checkin-mood-error" role="alert">${moodError}</p>` : null}

      ${error && !winsError && !challengesError && !moodError && !weekError ? html`<${ErrorText} error=${error} />` : null}
      <div class="form-actions">
        <button type="submit" class="primary" disabled=${busy}>${current ? t("round.save") : t("round.share")}</button>
        ${onCancel ? html`<button type="button" onClick=${onCancel}>${t("app.cancel")}</button>` : null}
      </div>
    </form>`;
}
