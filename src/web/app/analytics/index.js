import { html } from "../html.js";
import { Placeholder } from "../ui/placeholder.js";
export const Analytics = () => html`<${Placeholder} title="Synapses" />`;
