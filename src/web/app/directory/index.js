// The directory (issue 16): the departments, and people found by name,
// handle or email (`users(search:)`). A department's page shows its people
// and its synapses, the departments it shares channels with and the
// channels each runs through (department.js); a person's page their
// departments, title, bio and published guest posts (person.js).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";
import { DEPARTMENTS, PEOPLE } from "./documents.js";
import { PersonList } from "./people.js";
import "./i18n.js";

export { DepartmentPage } from "./department.js";
export { PersonPage } from "./person.js";

export function Directory() {
  const [departments, setDepartments] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => { gql(DEPARTMENTS).then((d) => setDepartments(d.departments.nodes)).catch(setError); }, []);
  return html`
    <section class="screen directory" aria-labelledby="directory-title">
      <h1 id="directory-title">${t("directory.title")}</h1>
      <section aria-labelledby="directory-departments">
        <h2 id="directory-departments">${t("directory.departments")}</h2>
        <${ErrorText} error=${error} />
        ${departments ? html`
          <ul class="department-cards">
            ${departments.map((d) => html`
              <li class="card">
                <h3><a href=${`/departments/${d.slug}`}>${d.name}</a></h3>
                ${d.description ? html`<p>${d.description}</p>` : null}
                <p class="muted">${t("directory.memberCount", { count: d.memberCount })}</p>
              </li>`)}
          </ul>` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
      </section>
      <${People} />
    </section>`;
}

/** People by name, handle or email; everyone until something is typed. */
function People() {
  const [search, setSearch] = useState("");
  const [result, setResult] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    // Wait for a pause in typing rather than asking on every key.
    const timer = setTimeout(() => {
      gql(PEOPLE, { search: search.trim() || null })
        .then((d) => { setResult(d.users); setError(null); })
        .catch(setError);
    }, 150);
    return () => clearTimeout(timer);
  }, [search]);
  const searchError = fieldError(error, "search");
  return html`
    <section aria-labelledby="directory-people">
      <h2 id="directory-people">${t("directory.people")}</h2>
      <label for="directory-search">${t("directory.search")}</label>
      <input id="directory-search" type="search" value=${search} maxlength="100" autocomplete="off"
        aria-describedby=${searchError ? "directory-search-error" : "directory-search-hint"}
        aria-invalid=${searchError ? "true" : "false"}
        onInput=${(/** @type {Event} */ e) => setSearch(/** @type {HTMLInputElement} */ (e.target).value)} />
      ${searchError
        ? html`<p class="error" id="directory-search-error" role="alert">${searchError}</p>`
        : html`<p class="muted hint" id="directory-search-hint">${t("directory.searchHint")}</p>`}
      ${error && !searchError ? html`<${ErrorText} error=${error} />` : null}
      ${result ? html`
        <p class="muted" role="status">${search.trim()
          ? t("directory.found", { count: result.totalCount })
          : t("directory.everyone", { count: result.totalCount })}</p>
        ${result.nodes.length ? html`<${PersonList} people=${result.nodes} />` : null}
        ${result.totalCount > result.nodes.length ? html`<p class="muted">${t("directory.narrow", { shown: result.nodes.length })}</p>` : null}`
        : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
}
