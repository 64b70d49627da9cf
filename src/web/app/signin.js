// Sign-in: a page when signed out, a dialog over the screen when the
// session expired (so nothing typed underneath is lost).

import { html } from "./html.js";
import { useState, useRef, useEffect } from "./vendor/hooks.js";
import { gql } from "./api/client.js";
import { signedIn } from "./state/session.js";
import { t } from "./i18n/index.js";
import { ErrorText, fieldError } from "./ui/errors.js";

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresAt user { id } }
}`;

/** @param {{ dialog?: boolean }} props */
export function SignIn({ dialog = false }) {
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const email = useRef(/** @type {HTMLInputElement | null} */ (null));
  useEffect(() => { email.current?.focus(); }, []);

  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    setBusy(true);
    setError(null);
    try {
      const data = await gql(LOGIN, { input: { email: form.get("email"), password: form.get("password") } });
      signedIn(data.login);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const emailError = fieldError(error, "email");
  const form = html`
    <form class="signin" onSubmit=${submit} aria-labelledby="signin-title">
      <h1 id="signin-title">${dialog ? t("signin.again") : t("signin.title")}</h1>
      ${dialog ? html`<p>${t("signin.expired")}</p>` : html`<p>${t("signin.lead")}</p>`}
      <label for="signin-email">${t("signin.email")}</label>
      <input id="signin-email" name="email" type="email" autocomplete="username" required ref=${email}
        aria-invalid=${emailError ? "true" : "false"} />
      <label for="signin-password">${t("signin.password")}</label>
      <input id="signin-password" name="password" type="password" autocomplete="current-password" required />
      <${ErrorText} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>${busy ? t("signin.busy") : t("signin.submit")}</button>
    </form>`;
  if (dialog) {
    return html`<div class="overlay"><div role="dialog" aria-modal="true" class="dialog">${form}</div></div>`;
  }
  return html`<main class="signin-page" id="main">${form}<p class="muted"><a href="/blog">${t("signin.blog")}</a></p></main>`;
}
