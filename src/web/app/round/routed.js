// Challenges other departments addressed to this one in a week: each with
// its author, where it stands and its thread to answer in. The API lists
// challenges only inside check-ins, so this reads the other departments'
// rounds in one request and keeps those addressed here.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { ChallengeItem } from "./challenge.js";
import { routedRounds } from "./documents.js";
import "./i18n.js";

const BATCH = 10;

/**
 * @param {{ department: { id: string, name: string }, departments: { id: string }[], week: string | null }} props
 */
export function Routed({ department, departments, week }) {
  const [items, setItems] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));

  useEffect(() => {
    setItems(null);
    setError(null);
    const others = departments.filter((d) => d.id !== department.id);
    // At most BATCH rounds a request: the server limits root fields and aliases.
    const batches = [];
    for (let i = 0; i < others.length; i += BATCH) batches.push(others.slice(i, i + BATCH));
    Promise.all(batches.map((batch) => {
      /** @type {Record<string, any>} */
      const variables = { week };
      batch.forEach((d, i) => { variables[`d${i}`] = d.id; });
      return gql(routedRounds(batch.length), variables);
    })).then((answers) => {
      // A person in two departments shows in both rounds: once here.
      const seen = new Map();
      for (const data of answers) {
        for (const round of Object.values(data)) {
          for (const c of /** @type {any} */ (round).checkins) {
            for (const ch of c.challenges) {
              if (ch.department?.id === department.id) seen.set(ch.id, { challenge: ch, author: c.author });
            }
          }
        }
      }
      setItems([...seen.values()]);
    }).catch(setError);
  }, [department.id, week, departments.length]);

  if (error) return html`<${ErrorText} error=${error} />`;
  if (!items) return html`<p class="muted">${t("app.loading")}</p>`;
  if (!items.length) return html`<p class="muted">${t("round.noneRouted", { name: department.name })}</p>`;
  return html`
    <ul class="challenges routed">
      ${items.map(({ challenge, author }) => html`<${ChallengeItem} key=${challenge.id} challenge=${challenge}
        own=${false} author=${author}
        onChange=${(/** @type {any} */ next) => setItems(items.map((x) => x.challenge.id === next.id ? { ...x, challenge: next } : x))} />`)}
    </ul>`;
}
