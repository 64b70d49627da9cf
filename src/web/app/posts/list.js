// /posts: the person's own guest posts, newest first, their status kept
// live, and a new draft.

import { html } from "../html.js";
import { useEffect, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { navigate } from "../router.js";
import { me } from "../state/me.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { MY_POSTS, CREATE, STATUS_CHANGED } from "./documents.js";
import { PostList, useDraft } from "./shared.js";
import { Editor } from "./editor.js";

export function Posts() {
  const [posts, setPosts] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  useEffect(() => {
    const load = () => gql(MY_POSTS).then((d) => { setPosts(d.myPosts.nodes); setError(null); }).catch(setError);
    load();
    // A reviewer's decision moves a post along while the list is open.
    return live(STATUS_CHANGED, () => ({}), load, { onResume: load });
  }, []);
  return html`
    <section class="screen posts" aria-labelledby="posts-title">
      <h1 id="posts-title">${t("posts.title")}</h1>
      <p class="muted">${t("posts.intro")}</p>
      <section aria-labelledby="posts-mine">
        <h2 id="posts-mine">${t("posts.mine")}</h2>
        <${ErrorText} error=${error} />
        ${posts ? html`<${PostList} posts=${posts} empty=${t("posts.none")} />` : error ? null : html`<p class="muted">${t("app.loading")}</p>`}
      </section>
      <${NewDraft} />
    </section>`;
}

function NewDraft() {
  const draft = useDraft("new", {
    title: "", body: "", excerpt: "", departmentId: me.value?.departments[0]?.id ?? "", plannedFor: "", slug: "",
  });
  const [error, setError] = useState(/** @type {any} */ (null));
  const [busy, setBusy] = useState(false);
  const create = async () => {
    if (busy) return;
    const f = draft.fields;
    setBusy(true);
    setError(null);
    try {
      const data = await gql(CREATE, {
        input: {
          title: f.title,
          body: f.body,
          excerpt: f.excerpt || null,
          departmentId: f.departmentId,
          plannedFor: f.plannedFor || null,
          slug: f.slug || null,
        },
      });
      draft.forget({ ...f, title: "", body: "", excerpt: "", plannedFor: "", slug: "" });
      navigate(`/posts/${data.createPostDraft.post.id}`);
    } catch (e) {
      setError(e); // everything typed stays, in the form and in localStorage
    } finally {
      setBusy(false);
    }
  };
  return html`
    <section class="post-new" aria-labelledby="posts-new">
      <h2 id="posts-new">${t("posts.new")}</h2>
      ${me.value?.departments.length
        ? html`<${Editor} id="new-post" draft=${draft} error=${error} busy=${busy} onSubmit=${create}>
            <button type="submit" class="primary" disabled=${busy}>${t("posts.create")}</button>
          </${Editor}>`
        : html`<p class="muted">${t("posts.noDepartment")}</p>`}
    </section>`;
}
