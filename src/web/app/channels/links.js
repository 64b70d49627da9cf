// The departments a channel connects (its synapses), and for its creator
// and admins the controls to link another department or unlink one (a
// channel keeps at least one; the server says so if asked otherwise).

import { html } from "../html.js";
import { useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { LINK, UNLINK, DEPARTMENTS } from "./documents.js";

/** @param {{ channel: any, onChange: (departments: any[]) => void }} props */
export function Links({ channel, onChange }) {
  const [all, setAll] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const person = me.value;
  const canEdit = !channel.archivedAt && (person?.role === "ADMIN" || channel.createdBy?.id === person?.id);

  /** @param {string} doc @param {string} field @param {string} departmentId */
  const change = async (doc, field, departmentId) => {
    setError(null);
    try {
      const data = await gql(doc, { input: { channelId: channel.id, departmentId } });
      onChange(data[field].channel.departments);
    } catch (e) { setError(e); }
  };
  const openPicker = () => gql(DEPARTMENTS).then((d) => setAll(d.departments.nodes)).catch(setError);
  const linked = new Set(channel.departments.map((/** @type {any} */ d) => d.id));

  return html`
    <span class="links">
      ${channel.departments.map((/** @type {any} */ d, /** @type {number} */ i) => html`${i ? " ↔ " : ""}<a href=${`/departments/${d.slug}`}>${d.name}</a>${canEdit && channel.departments.length > 1
        ? html`<button type="button" class="unlink" aria-label=${t("links.unlink", { name: d.name })}
            onClick=${() => change(UNLINK, "unlinkChannelDepartment", d.id)}>×</button>` : null}`)}
      ${canEdit && !all ? html` <button type="button" class="link" onClick=${openPicker}>${t("links.add")}</button>` : null}
      ${all ? html`
        <label class="visually-hidden" for="link-department">${t("links.add")}</label>
        <select id="link-department" onChange=${(/** @type {Event} */ e) => {
          const id = /** @type {HTMLSelectElement} */ (e.target).value;
          if (id) { setAll(null); change(LINK, "linkChannelDepartment", id); }
        }}>
          <option value="">${t("links.choose")}</option>
          ${all.filter((d) => !linked.has(d.id)).map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>` : null}
      <${ErrorText} error=${error} />
    </span>`;
}
