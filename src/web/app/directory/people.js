// People as a list, shared by the directory and a department's page.

import { html } from "../html.js";
import { Avatar } from "../ui/avatar.js";

/**
 * People as a list: avatar, name (their page), title and departments.
 * @param {{ people: { handle: string, displayName: string, title: string, departments?: { slug: string, name: string }[] }[] }} props
 */
export function PersonList({ people }) {
  return html`
    <ul class="people">
      ${people.map((p) => html`
        <li>
          <${Avatar} person=${p} />
          <div>
            <a href=${`/people/${p.handle}`}><strong>${p.displayName}</strong></a>
            <span class="muted"> @${p.handle}</span>
            <div class="muted">${[p.title, ...(p.departments ?? []).map((d) => d.name)].filter(Boolean).join(" · ")}</div>
          </div>
        </li>`)}
    </ul>`;
}
