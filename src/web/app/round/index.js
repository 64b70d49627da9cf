import { html } from "../html.js";
import { Placeholder } from "../ui/placeholder.js";
export const Round = () => html`<${Placeholder} title="Weekly round" />`;
