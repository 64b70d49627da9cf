// Browse public channels (search, join) and create a channel linked to one
// or more departments.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { loadMyChannels } from "../state/channels.js";
import { navigate } from "../router.js";
import { t } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";

const BROWSE = `query BrowseChannels($search: String) {
  channels(search: $search, first: 50) {
    nodes { id slug name topic visibility memberCount viewerIsMember archivedAt departments { slug name } }
  }
  departments(first: 100) { nodes { id slug name } }
}`;
const JOIN = `mutation JoinChannel($input: JoinChannelInput!) { joinChannel(input: $input) { channel { slug } } }`;
const CREATE = `mutation CreateChannel($input: CreateChannelInput!) { createChannel(input: $input) { channel { slug } } }`;

export function Browse() {
  const [search, setSearch] = useState("");
  const [data, setData] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    const timer = setTimeout(() => {
      gql(BROWSE, { search: search || null }).then(setData).catch(setError);
    }, 150);
    return () => clearTimeout(timer);
  }, [search]);

  /** @param {string} id */
  const join = async (id) => {
    try {
      const result = await gql(JOIN, { input: { channelId: id } });
      await loadMyChannels();
      navigate(`/c/${result.joinChannel.channel.slug}`);
    } catch (e) { setError(e); }
  };

  return html`
    <section class="screen" aria-labelledby="browse-title">
      <h1 id="browse-title">${t("browse.title")}</h1>
      <label for="browse-search">${t("browse.search")}</label>
      <input id="browse-search" type="search" value=${search}
        onInput=${(/** @type {Event} */ e) => setSearch(/** @type {HTMLInputElement} */ (e.target).value)} />
      <${ErrorText} error=${error} />
      ${data ? html`
        <ul class="channel-list">
          ${data.channels.nodes.map((/** @type {any} */ c) => html`
            <li>
              <div>
                <a href=${`/c/${c.slug}`}><strong># ${c.name}</strong></a>
                <span class="muted"> · ${c.departments.map((/** @type {any} */ d) => d.name).join(" ↔ ")} · ${t("browse.members", { count: c.memberCount })}</span>
                ${c.topic ? html`<p>${c.topic}</p>` : null}
              </div>
              ${c.viewerIsMember
                ? html`<span class="muted">${t("browse.joined")}</span>`
                : c.archivedAt ? html`<span class="muted">${t("channel.archived")}</span>`
                : html`<button type="button" onClick=${() => join(c.id)} aria-label=${t("browse.joinNamed", { name: c.name })}>${t("browse.join")}</button>`}
            </li>`)}
        </ul>
        <${CreateChannel} departments=${data.departments.nodes} />` : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}

/** @param {{ departments: { id: string, name: string }[] }} props */
function CreateChannel({ departments }) {
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    setBusy(true);
    setError(null);
    try {
      const result = await gql(CREATE, {
        input: {
          name: form.get("name"),
          topic: form.get("topic") || null,
          visibility: form.get("private") ? "PRIVATE" : "PUBLIC",
          departmentIds: form.getAll("departments"),
        },
      });
      await loadMyChannels();
      navigate(`/c/${result.createChannel.channel.slug}`);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  // A taken name is refused on the slug made from it, which this form
  // does not show: it belongs at the name.
  const nameError = fieldError(error, "name") ?? fieldError(error, "slug");
  const departmentsError = fieldError(error, "departmentIds");
  return html`
    <form class="create-channel" onSubmit=${submit} aria-labelledby="create-title">
      <h2 id="create-title">${t("create.title")}</h2>
      <label for="create-name">${t("create.name")}</label>
      <input id="create-name" name="name" required maxlength="80" aria-invalid=${nameError ? "true" : "false"}
        aria-describedby=${nameError ? "create-name-error" : null} />
      ${nameError ? html`<p class="error" id="create-name-error">${nameError}</p>` : null}
      <label for="create-topic">${t("create.topic")}</label>
      <input id="create-topic" name="topic" maxlength="250" />
      <fieldset aria-describedby=${departmentsError ? "create-departments-error" : null}>
        <legend>${t("create.departments")}</legend>
        ${departments.map((d) => html`
          <label class="check"><input type="checkbox" name="departments" value=${d.id} /> ${d.name}</label>`)}
      </fieldset>
      ${departmentsError ? html`<p class="error" id="create-departments-error">${departmentsError}</p>` : null}
      <label class="check"><input type="checkbox" name="private" value="1" /> ${t("create.private")}</label>
      ${error && !nameError && !departmentsError ? html`<${ErrorText} error=${error} />` : null}
      <button type="submit" class="primary" disabled=${busy}>${t("create.submit")}</button>
    </form>`;
}
