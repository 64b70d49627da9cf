// The only place the client writes HTML: a message's or a post's
// `bodyHtml`, which the server rendered from markdown and sanitized
// (ammonia; docs/SECURITY.md), and a search hit's `snippet`, which the
// server built as escaped text with `<mark>` around the matched words. Nothing else ever goes into innerHTML;
// src/http/client.rs has a test that holds every other module to that.

import { html } from "../html.js";

/** @param {{ bodyHtml: string, class?: string }} props */
export function Body({ bodyHtml, class: className = "body" }) {
  return html`<div class=${className} dangerouslySetInnerHTML=${{ __html: bodyHtml }}></div>`;
}
