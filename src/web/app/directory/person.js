// A person's page: their departments, title and bio, how to reach them,
// what they wrote lately in the channels the viewer may see, and the guest
// posts of theirs on the public blog. Comms and admins ask
// `posts(author:)`; everyone else reads the public blog of each of their
// departments, which has no author filter, so posts are matched here by
// name and title (the public author carries no handle).

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { me, isComms } from "../state/me.js";
import { t, formatDay, formatDateTime } from "../i18n/index.js";
import { messageHref } from "../router.js";
import { ErrorText } from "../ui/errors.js";
import { Avatar } from "../ui/avatar.js";
import { Body } from "../ui/body.js";
import { PERSON, PERSON_ACTIVITY, PERSON_POSTS, PUBLIC_POSTS } from "./documents.js";

/** @param {{ handle: string }} props  the person's handle, from the route */
export function PersonPage({ handle }) {
  const [person, setPerson] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    setPerson(null);
    setError(null);
    gql(PERSON, { handle }).then((d) => setPerson(d.user)).catch(setError);
  }, [handle]);

  if (error) {
    return html`
      <section class="screen directory" aria-labelledby="person-title">
        <h1 id="person-title">${t("directory.person")}</h1>
        <${ErrorText} error=${error} />
        <p><a href="/directory">${t("directory.back")}</a></p>
      </section>`;
  }
  if (!person) return html`<section class="screen"><p class="muted">${t("app.loading")}</p></section>`;
  return html`
    <section class="screen directory person" aria-labelledby="person-title">
      <p class="crumbs"><a href="/directory">${t("directory.title")}</a></p>
      <header class="person-head">
        <${Avatar} person=${person} />
        <div>
          <h1 id="person-title">${person.displayName}</h1>
          <p class="muted">@${person.handle}${person.title ? ` · ${person.title}` : ""}</p>
        </div>
      </header>
      <div class="directory-columns">
        <section class="card" aria-labelledby="person-about">
          <h2 id="person-about">${t("directory.about")}</h2>
          ${person.bio ? html`<p class="bio">${person.bio}</p>` : html`<p class="muted">${t("directory.noBio")}</p>`}
          <dl class="facts">
            <div>
              <dt>${t("directory.departmentsOf")}</dt>
              <dd>${person.departments.length
                ? person.departments.map((/** @type {any} */ d, /** @type {number} */ i) => html`${i ? ", " : ""}<a href=${`/departments/${d.slug}`}>${d.name}</a>`)
                : t("directory.noDepartments")}</dd>
            </div>
            <div><dt>${t("directory.email")}</dt><dd><a href=${`mailto:${person.email}`}>${person.email}</a></dd></div>
            <div><dt>${t("directory.role")}</dt><dd>${t(`directory.role.${person.role}`)}</dd></div>
          </dl>
        </section>
        <${Posts} person=${person} />
      </div>
      <${Activity} handle=${person.handle} />
    </section>`;
}

/** Their published guest posts, newest first, each a link to the blog.
 * @param {{ person: any }} props */
function Posts({ person }) {
  const [posts, setPosts] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const reviewer = isComms(me.value);
  useEffect(() => {
    setPosts(null);
    if (reviewer) {
      gql(PERSON_POSTS, { handle: person.handle }).then((d) => setPosts(d.posts.nodes)).catch(setError);
    } else {
      // A post is written for one of its author's departments: ask each.
      Promise.all(person.departments.map((/** @type {any} */ d) => gql(PUBLIC_POSTS, { department: d.slug })))
        .then((pages) => setPosts(pages
          .flatMap((d) => d.publicPosts.nodes)
          .filter((/** @type {any} */ p) => p.author.displayName === person.displayName && p.author.title === person.title)
          .sort((/** @type {any} */ a, /** @type {any} */ b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? ""))))
        .catch(setError);
    }
  }, [person.handle, reviewer]);
  return html`
    <section class="card" aria-labelledby="person-posts">
      <h2 id="person-posts">${t("directory.posts")}</h2>
      <${ErrorText} error=${error} />
      ${!posts ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`)
        : !posts.length ? html`<p class="muted">${t("directory.noPosts")}</p>`
        : html`
          <ul class="plain posts">
            ${posts.map((p) => html`
              <li>
                <a href=${`/blog/${p.slug}`}><strong>${p.title}</strong></a>
                <div class="muted">${p.department.name}${p.publishedAt ? html` · <time datetime=${p.publishedAt}>${formatDay(p.publishedAt)}</time>` : null}</div>
                ${p.excerpt ? html`<p>${p.excerpt}</p>` : null}
              </li>`)}
          </ul>`}
    </section>`;
}

/** What they wrote lately, newest first, each leading to the message in
 * its channel (or thread); ten at a time.
 * @param {{ handle: string }} props */
function Activity({ handle }) {
  const [items, setItems] = useState(/** @type {any[] | null} */ (null));
  const [next, setNext] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  /** @param {string | null} after */
  const load = (after) => gql(PERSON_ACTIVITY, { handle, after })
    .then((d) => {
      const page = d.user.recentMessages;
      setItems((shown) => [...(after && shown ? shown : []), ...page.nodes]);
      setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);
    })
    .catch(setError);
  useEffect(() => {
    setItems(null);
    setError(null);
    load(null);
  }, [handle]);
  return html`
    <section class="card activity" aria-labelledby="person-activity">
      <h2 id="person-activity">${t("directory.activity")}</h2>
      <${ErrorText} error=${error} />
      ${!items ? (error ? null : html`<p class="muted">${t("app.loading")}</p>`)
        : !items.length ? html`<p class="muted">${t("directory.noActivity")}</p>`
        : html`
          <ul class="plain">
            ${items.map((m) => html`
              <li key=${m.id}>
                <div class="muted">
                  <a href=${messageHref(m)}>${t(m.parent ? "directory.replyIn" : "directory.postedIn", { channel: m.channel.name })}</a> · <time datetime=${m.createdAt}>${formatDateTime(m.createdAt)}</time>
                </div>
                <${Body} bodyHtml=${m.bodyHtml} />
              </li>`)}
          </ul>`}
      ${next ? html`<button type="button" onClick=${() => load(next)}>${t("directory.moreActivity")}</button>` : null}
    </section>`;
}
