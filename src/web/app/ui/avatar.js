import { html } from "../html.js";

/** Initials in a coloured circle, the colour fixed by the handle.
 * @param {{ person: { handle: string, displayName: string }, size?: "s" | "m" }} props */
export function Avatar({ person, size = "m" }) {
  const initials = person.displayName
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => word[0] ?? "")
    .join("")
    .toUpperCase();
  let hash = 0;
  for (const char of person.handle) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return html`<span class=${`avatar avatar-${size} hue-${hash % 8}`} aria-hidden="true">${initials}</span>`;
}
