// The draft editor: title, department, excerpt, planned day, slug and the
// markdown body, each with its own error from the server. Used for a new
// draft and for editing one; what is typed is kept by `useDraft`.

import { html } from "../html.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText, fieldError } from "../ui/errors.js";

/** The input fields the editor shows, by the server's name for them. */
export const EDITOR_FIELDS = ["title", "departmentId", "excerpt", "plannedFor", "slug", "body"];

/**
 * @param {{ id: string, draft: ReturnType<typeof import("./shared.js").useDraft>,
 *   error: any, busy: boolean, onSubmit: () => void, children?: any }} props
 *   `id` prefixes the inputs' ids; `children` are the form's buttons.
 */
export function Editor({ id, draft, error, busy, onSubmit, children }) {
  const { fields, set } = draft;
  const departments = me.value?.departments ?? [];

  /**
   * A labelled input with its error under it.
   * @param {keyof import("./shared.js").Fields} name
   * @param {any} control  the input, given its id and described-by
   * @param {string} [hint]
   */
  const field = (name, control, hint) => {
    const message = fieldError(error, name);
    const inputId = `${id}-${name}`;
    const describedBy = [hint ? `${inputId}-hint` : "", message ? `${inputId}-error` : ""].filter(Boolean).join(" ") || null;
    return html`
      <div class="post-field">
        <label for=${inputId}>${t(`posts.field.${name}`)}</label>
        ${control(inputId, describedBy, message ? "true" : "false")}
        ${hint ? html`<p class="hint muted" id=${`${inputId}-hint`}>${hint}</p>` : null}
        ${message ? html`<p class="error" id=${`${inputId}-error`}>${message}</p>` : null}
      </div>`;
  };
  /** @param {keyof import("./shared.js").Fields} name */
  const onInput = (name) => (/** @type {Event} */ e) => set(name, /** @type {HTMLInputElement} */ (e.target).value);
  // An error about a field the form shows is at that field; any other here.
  const general = error && !EDITOR_FIELDS.includes(error.field) ? error : null;

  return html`
    <form class="post-editor" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); onSubmit(); }}>
      ${field("title", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
        <input id=${inputId} name="title" required maxlength="200" value=${fields.title}
          aria-invalid=${invalid} aria-describedby=${describedBy} onInput=${onInput("title")} />`)}
      ${field("departmentId", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
        <select id=${inputId} name="departmentId" value=${fields.departmentId}
          aria-invalid=${invalid} aria-describedby=${describedBy} onChange=${onInput("departmentId")}>
          ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>`)}
      ${field("excerpt", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
        <textarea id=${inputId} name="excerpt" rows="2" maxlength="500" value=${fields.excerpt}
          aria-invalid=${invalid} aria-describedby=${describedBy} onInput=${onInput("excerpt")}></textarea>`,
        t("posts.hint.excerpt"))}
      <div class="post-field-row">
        ${field("plannedFor", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
          <input id=${inputId} name="plannedFor" type="date" value=${fields.plannedFor}
            aria-invalid=${invalid} aria-describedby=${describedBy} onInput=${onInput("plannedFor")} />`,
          t("posts.hint.plannedFor"))}
        ${field("slug", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
          <input id=${inputId} name="slug" maxlength="64" value=${fields.slug} autocapitalize="off" spellcheck="false"
            aria-invalid=${invalid} aria-describedby=${describedBy} onInput=${onInput("slug")} />`,
          t("posts.hint.slug"))}
      </div>
      ${field("body", (/** @type {string} */ inputId, /** @type {string} */ describedBy, /** @type {string} */ invalid) => html`
        <textarea id=${inputId} name="body" rows="16" required value=${fields.body}
          aria-invalid=${invalid} aria-describedby=${describedBy} onInput=${onInput("body")}></textarea>`,
        t("posts.hint.body"))}
      ${draft.restored ? html`<p class="muted" role="status">${t("posts.restored")}</p>` : null}
      <${ErrorText} error=${general} />
      <div class="post-buttons">${busy ? html`<span class="muted" role="status">${t("posts.working")}</span>` : null}${children}</div>
    </form>`;
}
