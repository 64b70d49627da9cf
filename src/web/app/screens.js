// The screens beyond home, channels and notifications, by route
// (router.js lists them all). One folder per screen.
//
// The synapses (managers) and search are imported when first opened: the
// page preloads only what main.js imports statically (src/http/client.rs),
// and these two are the largest screens most people do not open on every
// visit, so the first load stays within its budget (docs/WEB.md).

import { html } from "./html.js";
import { useEffect, useState } from "./vendor/hooks.js";
import { t } from "./i18n/index.js";
import { ErrorText } from "./ui/errors.js";
import { Directory, DepartmentPage, PersonPage } from "./directory/index.js";
import { Round, CheckinPage } from "./round/index.js";
import { Posts, PostPage, Review } from "./posts/index.js";

/**
 * A screen whose module is imported the first time it is shown.
 * @param {() => Promise<(props: any) => any>} load
 * @returns {(props: any) => any}
 */
function whenOpened(load) {
  /** @type {((props: any) => any) | null} */
  let Screen = null;
  /** @type {Promise<(props: any) => any> | null} */
  let loading = null;
  return function Opened(props) {
    const [, loaded] = useState(0);
    const [error, setError] = useState(/** @type {any} */ (null));
    useEffect(() => {
      if (Screen) return;
      loading ??= load();
      loading
        .then((found) => { Screen = found; loaded((n) => n + 1); })
        .catch((e) => { loading = null; setError(e); });
    }, []);
    if (Screen) return html`<${Screen} ...${props} />`;
    return html`<section class="screen">
      ${error ? html`<${ErrorText} error=${error} />` : html`<p class="muted">${t("app.loading")}</p>`}
    </section>`;
  };
}

const Analytics = whenOpened(() => import("./analytics/index.js").then((m) => m.Analytics));
const Search = whenOpened(() => import("./search/index.js").then((m) => m.Search));

/** @type {[string, (props: any) => any][]} */
export const SCREENS = [
  ["/directory", Directory],
  ["/departments/:slug", DepartmentPage],
  ["/people/:handle", PersonPage],
  ["/round", Round],
  ["/round/checkins/:id", CheckinPage],
  ["/round/:department", Round],
  ["/posts", Posts],
  ["/posts/:id", PostPage],
  ["/review", Review],
  ["/analytics", Analytics],
  ["/search", Search],
];
