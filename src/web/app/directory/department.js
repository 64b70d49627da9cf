// A department's page: what it does, its people, and its synapses: each
// department it shares channels with, how much those channels hold, and
// the channels the synapse runs through. Then every channel linked to it.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { DEPARTMENT } from "./documents.js";
import { PersonList } from "./people.js";

/** @param {{ slug: string }} props  the department's slug, from the route */
export function DepartmentPage({ slug }) {
  const [department, setDepartment] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    setDepartment(null);
    setError(null);
    gql(DEPARTMENT, { slug }).then((d) => setDepartment(d.department)).catch(setError);
  }, [slug]);

  if (error) {
    return html`
      <section class="screen directory" aria-labelledby="department-title">
        <h1 id="department-title">${t("directory.department")}</h1>
        <${ErrorText} error=${error} />
        <p><a href="/directory">${t("directory.back")}</a></p>
      </section>`;
  }
  if (!department) return html`<section class="screen"><p class="muted">${t("app.loading")}</p></section>`;
  const d = department;
  return html`
    <section class="screen directory" aria-labelledby="department-title">
      <p class="crumbs"><a href="/directory">${t("directory.title")}</a></p>
      <h1 id="department-title">${d.name}</h1>
      ${d.description ? html`<p class="lead">${d.description}</p>` : null}
      <div class="directory-columns">
        <section class="card" aria-labelledby="department-synapses">
          <h2 id="department-synapses">${t("directory.synapses")}</h2>
          <p class="muted">${t("directory.synapsesLead")}</p>
          ${d.linkedDepartments.length ? html`
            <ul class="synapses">
              ${d.linkedDepartments.map((/** @type {any} */ link) => html`
                <li>
                  <h3><a href=${`/departments/${link.department.slug}`}>${link.department.name}</a></h3>
                  <p class="muted">${t("directory.linkFigures", { channels: link.channelCount, messages: link.messageCount })}</p>
                  <ul class="plain" aria-label=${t("directory.sharedWith", { name: link.department.name })}>
                    ${link.channels.map((/** @type {any} */ c) => html`
                      <li><${ChannelLink} channel=${c} /></li>`)}
                  </ul>
                </li>`)}
            </ul>` : html`<p class="muted">${t("directory.noSynapses")}</p>`}
        </section>
        <section class="card" aria-labelledby="department-members">
          <h2 id="department-members">${t("directory.members", { count: d.members.totalCount })}</h2>
          ${d.members.nodes.length
            ? html`<${PersonList} people=${d.members.nodes} />`
            : html`<p class="muted">${t("directory.noMembers")}</p>`}
          ${d.members.totalCount > d.members.nodes.length
            ? html`<p class="muted">${t("directory.moreMembers", { count: d.members.totalCount - d.members.nodes.length })}</p>` : null}
        </section>
      </div>
      <section class="card" aria-labelledby="department-channels">
        <h2 id="department-channels">${t("directory.channels")}</h2>
        ${d.channels.nodes.length ? html`
          <ul class="plain channels">
            ${d.channels.nodes.map((/** @type {any} */ c) => html`
              <li>
                <${ChannelLink} channel=${c} />
                <span class="muted"> · ${c.departments.map((/** @type {any} */ x) => x.name).join(" ↔ ")} · ${t("directory.channelMembers", { count: c.memberCount })}</span>
                ${c.topic ? html`<div class="muted">${c.topic}</div>` : null}
              </li>`)}
          </ul>` : html`<p class="muted">${t("directory.noChannels")}</p>`}
      </section>
    </section>`;
}

/** A channel's name as a link to it, marked private or archived.
 * @param {{ channel: { slug: string, name: string, visibility: string, archivedAt: string | null } }} props */
function ChannelLink({ channel: c }) {
  return html`
    <a href=${`/c/${c.slug}`}># ${c.name}</a>
    ${c.visibility === "PRIVATE" ? html` <span class="tag">${t("directory.private")}</span>` : null}
    ${c.archivedAt ? html` <span class="tag">${t("directory.archived")}</span>` : null}`;
}
