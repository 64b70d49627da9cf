// Starts the client: renders the shell into the page and keeps the
// document's language in step with the chosen one.

import { render } from "./vendor/preact.js";
import { effect } from "./vendor/signals.js";
import { html } from "./html.js";
import { App } from "./app.js";
import { language } from "./i18n/index.js";

effect(() => { document.documentElement.lang = language.value; });

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
