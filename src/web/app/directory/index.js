import { html } from "../html.js";
import { Placeholder } from "../ui/placeholder.js";
export const Directory = () => html`<${Placeholder} title="Directory" />`;
export const DepartmentPage = () => html`<${Placeholder} title="Department" />`;
export const PersonPage = () => html`<${Placeholder} title="Person" />`;
