// An API error as people read it: at the field it concerns when there is
// one, with when to retry when rate limited.

import { html } from "../html.js";
import { t, inSeconds } from "../i18n/index.js";

/** @param {import("../api/errors.js").ApiError | any} error */
export function describe(error) {
  if (!error) return "";
  switch (error.code) {
    case "RATE_LIMITED":
      return error.retryAfterSeconds
        ? t("error.rateLimitedRetry", { when: inSeconds(error.retryAfterSeconds) })
        : t("error.rateLimited");
    case "FORBIDDEN":
      return error.message || t("error.forbidden");
    case "NETWORK":
      return t("error.network");
    case "INTERNAL":
      return t("error.internal");
    default:
      return error.message || t("error.internal");
  }
}

/** An error under a form or a field; announced to screen readers.
 * @param {{ error: any }} props */
export function ErrorText({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${describe(error)}</p>`;
}

/**
 * The error's message for `field` only (BAD_USER_INPUT/CONFLICT carry the
 * input's field name), else null.
 * @param {any} error
 * @param {string} field
 */
export function fieldError(error, field) {
  if (!error || error.field !== field) return null;
  // The server's message reads "field: what is wrong"; the field is shown by its label.
  return error.message.replace(new RegExp(`^${field}: `), "");
}
