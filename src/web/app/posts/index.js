import { html } from "../html.js";
import { Placeholder } from "../ui/placeholder.js";
export const Posts = () => html`<${Placeholder} title="Guest posts" />`;
export const PostPage = () => html`<${Placeholder} title="Guest post" />`;
export const Review = () => html`<${Placeholder} title="Review" />`;
