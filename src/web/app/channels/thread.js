// A thread in the side panel: the first message, its replies, a composer,
// follow/unfollow. Replies arrive live through the channel's subscription
// (the conversation passes them here).

import { html } from "../html.js";
import { useEffect, useRef, useState } from "../vendor/hooks.js";
import { gql } from "../api/client.js";
import { t } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { Message } from "./message.js";
import { Composer } from "./composer.js";
import { THREAD, FOLLOW, UNFOLLOW } from "./documents.js";

/**
 * @param {{ threadId: string, channel: any, closeHref: string, highlight: string | null,
 *   incoming: any[], canAct: boolean }} props
 */
export function Thread({ threadId, channel, closeHref, highlight, incoming, canAct }) {
  const [root, setRoot] = useState(/** @type {any} */ (null));
  const [replies, setReplies] = useState(/** @type {any[]} */ ([]));
  const [error, setError] = useState(/** @type {any} */ (null));
  const panel = useRef(/** @type {HTMLElement | null} */ (null));

  useEffect(() => {
    setRoot(null);
    gql(THREAD, { id: threadId }).then((data) => {
      if (!data.node) { setError({ code: "NOT_FOUND", message: t("thread.notFound") }); return; }
      setRoot(data.node);
      setReplies(data.node.replies.nodes);
    }).catch(setError);
  }, [threadId]);

  // Live replies for this thread, each once.
  useEffect(() => {
    const mine = incoming.filter((m) => m.parent?.id === threadId);
    if (!mine.length) return;
    setReplies((now) => {
      const known = new Set(now.map((r) => r.id));
      return [...now, ...mine.filter((m) => !known.has(m.id))];
    });
  }, [incoming]);

  useEffect(() => {
    if (!root) return;
    const target = highlight ? document.getElementById(`m-${highlight}`) : null;
    if (target) target.scrollIntoView({ block: "center" });
    else panel.current?.querySelector(".thread-replies")?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [root, highlight]);

  /** @param {any} changed */
  const onChange = (changed) => {
    if (changed.id === threadId) setRoot({ ...root, ...changed });
    else setReplies((now) => now.map((r) => (r.id === changed.id ? changed : r)));
  };

  const follow = async () => {
    try {
      const doc = root.viewerFollows ? UNFOLLOW : FOLLOW;
      const data = await gql(doc, { input: { messageId: threadId } });
      setRoot({ ...root, viewerFollows: (data.followThread ?? data.unfollowThread).message.viewerFollows });
    } catch (e) { setError(e); }
  };

  return html`
    <aside class="thread" ref=${panel} aria-labelledby="thread-title">
      <header class="thread-header">
        <h2 id="thread-title">${t("thread.title")}</h2>
        ${root && canAct ? html`<button type="button" aria-pressed=${root.viewerFollows ? "true" : "false"} onClick=${follow}>
          ${root.viewerFollows ? t("thread.unfollow") : t("thread.follow")}</button>` : null}
        <a href=${closeHref} class="close" aria-label=${t("thread.close")}>✕</a>
      </header>
      <${ErrorText} error=${error} />
      ${root ? html`
        <${Message} message=${root} onChange=${onChange} canAct=${canAct} highlighted=${highlight === root.id} />
        <p class="muted divider">${t("message.replies", { count: replies.length })}</p>
        <div class="thread-replies">
          ${replies.map((r) => html`<${Message} key=${r.id} message=${r} onChange=${onChange} canAct=${canAct}
            highlighted=${highlight === r.id} />`)}
        </div>
        ${canAct ? html`<${Composer} channelId=${channel.id} parentId=${threadId} label=${t("thread.reply")}
          onPosted=${(/** @type {any} */ m) => setReplies((now) => (now.some((r) => r.id === m.id) ? now : [...now, m]))} />` : null}
      ` : html`<p class="muted">${t("app.loading")}</p>`}
    </aside>`;
}
