// The one way components are written: htm's tagged templates bound to
// Preact's `h`, so there is no JSX and no build step.
import { h } from "./vendor/preact.js";
import htm from "./vendor/htm.js";

export const html = htm.bind(h);
