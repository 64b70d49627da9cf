import { html } from "../html.js";

/** A screen still to be written. @param {{ title: string }} props */
export function Placeholder({ title }) {
  return html`<section class="screen"><h1>${title}</h1></section>`;
}
