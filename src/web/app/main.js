// Starts the client: renders the shell into the page and keeps the
// document's language in step with the chosen one.

import { render } from "./vendor/preact.js";
import { effect } from "./vendor/signals.js";
import { html } from "./html.js";
import { App } from "./app.js";
import { language } from "./i18n/index.js";
import { tokens } from "./state/session.js";
import { prefetch } from "./channels/pages.js";

effect(() => { document.documentElement.lang = language.value; });

// Opening a channel's address: ask for its messages now, alongside the
// person and their channels, rather than after the shell has rendered.
const opening = location.pathname.match(/^\/c\/([^/]+)/);
if (opening && tokens.value) prefetch(decodeURIComponent(opening[1]));

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
