// A conversation: the channel's messages newest at the bottom with day
// separators, infinite scroll back, the composer, and a thread in a side
// panel. Live through `messageAdded(after:)` and `messageChanged`: after a
// dropped connection the subscription resumes from the newest message
// held, so missed messages appear once, in order. While the newest message
// is on screen and the tab visible, the channel is marked read on the
// server, which clears the badge on every tab and device.

import { html } from "../html.js";
import { useEffect, useLayoutEffect, useRef, useState } from "../vendor/hooks.js";
import { gql, live } from "../api/client.js";
import { route, navigate } from "../router.js";
import { markRead, loadMyChannels, forget } from "../state/channels.js";
import { t, dayKey, formatDay } from "../i18n/index.js";
import { ErrorText } from "../ui/errors.js";
import { Message } from "./message.js";
import { Composer } from "./composer.js";
import { Thread } from "./thread.js";
import { Links } from "./links.js";
import { channelPage, forgetPage } from "./pages.js";
import { fromPage, withOlder, withNewer, withLive, withChanged } from "./timeline.js";
import {
  CHANNEL_PAGE, OLDER, NEWER, MESSAGE_ADDED, MESSAGE_CHANGED, MUTE, UNMUTE, JOIN, LEAVE,
} from "./documents.js";

/** How far from the bottom (px) still counts as "at the newest". */
const NEAR_BOTTOM = 80;

/** @param {{ slug: string, thread?: string }} props */
export function Conversation({ slug, thread }) {
  const [channel, setChannel] = useState(/** @type {any} */ (null));
  const [line, setLine] = useState(/** @type {import("./timeline.js").Timeline | null} */ (null));
  const [error, setError] = useState(/** @type {any} */ (null));
  const [loading, setLoading] = useState(false);
  const [newBelow, setNewBelow] = useState(false);
  const [replies, setReplies] = useState(/** @type {any[]} */ ([]));
  const scroller = useRef(/** @type {HTMLElement | null} */ (null));
  const top = useRef(/** @type {HTMLElement | null} */ (null));
  const bottom = useRef(/** @type {HTMLElement | null} */ (null));
  // Values the live handlers read without resubscribing.
  const state = useRef({ line: /** @type {any} */ (null), newest: /** @type {string | null} */ (null), keep: /** @type {number | null} */ (null), stick: true });
  const highlight = route.value.query.get("m");

  // Load the channel and its newest page; subscribe. A layout effect, so
  // the request leaves before the browser paints the empty screen.
  useLayoutEffect(() => {
    let stopAdded = () => {};
    let stopChanged = () => {};
    setChannel(null);
    setLine(null);
    setError(null);
    setReplies([]);
    state.current = { line: null, newest: null, keep: null, stick: true };
    let stopped = false;
    channelPage(slug).then((data) => {
      if (stopped) return;
      if (!data.channel) { setError({ code: "NOT_FOUND", message: t("channel.notFound") }); return; }
      const { messages, ...info } = data.channel;
      setChannel(info);
      const first = fromPage(messages);
      state.current.line = first;
      state.current.newest = messages.edges[0]?.cursor ?? null;
      setLine(first);
      stopAdded = live(MESSAGE_ADDED, () => ({ channel: info.id, after: state.current.newest }), (d) => {
        const edge = d.messageAdded;
        state.current.newest = edge.cursor;
        if (edge.node.parent) {
          setReplies((now) => [...now, edge.node]);
          // The thread's count as the server has it now (the subscription
          // asks for it), so a reply replayed after a reconnect never
          // counts twice.
          update((l) => withChanged(l, edge.node.parent));
        } else {
          update((l) => withLive(l, edge));
          if (!state.current.stick) setNewBelow(true);
        }
      });
      stopChanged = live(MESSAGE_CHANGED, () => ({ channel: info.id }), (d) => update((l) => withChanged(l, d.messageChanged)));
    }).catch(setError);
    return () => { stopped = true; stopAdded(); stopChanged(); };
  }, [slug]);

  /** @param {(l: any) => any} change */
  const update = (change) => {
    const el = scroller.current;
    state.current.stick = el ? el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM : true;
    setLine((now) => {
      const next = now ? change(now) : now;
      state.current.line = next;
      return next;
    });
  };

  const loadOlder = async () => {
    const now = state.current.line;
    if (!now || !now.hasOlder || loading || !channel) return;
    setLoading(true);
    try {
      const data = await gql(OLDER, { id: channel.id, after: now.items[0].cursor });
      const el = scroller.current;
      state.current.keep = el ? el.scrollHeight - el.scrollTop : null;
      state.current.stick = false;
      setLine((l) => { const next = l && withOlder(l, data.node.messages); state.current.line = next; return next; });
    } catch (e) { setError(e); } finally { setLoading(false); }
  };

  const loadNewer = async () => {
    const now = state.current.line;
    if (!now || !now.hasNewer || loading || !channel) return;
    setLoading(true);
    try {
      const data = await gql(NEWER, { id: channel.id, before: now.items[now.items.length - 1].cursor });
      state.current.stick = false;
      setLine((l) => { const next = l && withNewer(l, data.node.messages); state.current.line = next; return next; });
    } catch (e) { setError(e); } finally { setLoading(false); }
  };

  const toNewest = async () => {
    if (state.current.line?.hasNewer) {
      const data = await gql(CHANNEL_PAGE, { slug });
      const first = fromPage(data.channel.messages);
      state.current.line = first;
      setLine(first);
    }
    state.current.stick = true;
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setNewBelow(false);
  };

  // Keep the view where the reader is: at the bottom when they were there,
  // still on the same message when older ones were added above.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !line) return;
    if (state.current.keep !== null) {
      el.scrollTop = el.scrollHeight - state.current.keep;
      state.current.keep = null;
    } else if (state.current.stick && !highlight) {
      el.scrollTop = el.scrollHeight;
    }
  }, [line]);

  // Scroll back and forward at the edges.
  useEffect(() => {
    if (!line || !scroller.current) return;
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        if (entry.target === top.current) loadOlder();
        if (entry.target === bottom.current) { loadNewer(); setNewBelow(false); markIfSeen(); }
      }
    }, { root: scroller.current, rootMargin: "200px 0px" });
    if (top.current) observer.observe(top.current);
    if (bottom.current) observer.observe(bottom.current);
    return () => observer.disconnect();
  }, [line !== null, channel?.id, loading]);

  // Jump to a message (?m=): load back until it is found (at most 20 pages).
  useEffect(() => {
    if (!line || !highlight || thread) return;
    const el = document.getElementById(`m-${highlight}`);
    if (el) {
      el.scrollIntoView({ block: "center" });
      el.focus({ preventScroll: true });
    } else if (line.hasOlder && line.items.length < 20 * 50) {
      loadOlder();
    }
  }, [line, highlight]);

  // Mark read while the newest message is in view and the tab visible.
  const markIfSeen = () => {
    const l = state.current.line;
    const el = scroller.current;
    if (!l || !el || l.hasNewer || document.visibilityState !== "visible" || !channel?.viewerIsMember) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight > NEAR_BOTTOM) return;
    const newest = l.items[l.items.length - 1]?.node;
    const lastReply = replies[replies.length - 1];
    const upTo = lastReply && newest && lastReply.createdAt > newest.createdAt ? lastReply : newest;
    if (upTo) markRead(channel.id, upTo.id);
  };
  useEffect(() => {
    const timer = setTimeout(markIfSeen, 300);
    const onVisible = () => markIfSeen();
    document.addEventListener("visibilitychange", onVisible);
    return () => { clearTimeout(timer); document.removeEventListener("visibilitychange", onVisible); };
  }, [line, replies, channel]);

  const onScroll = () => {
    const el = scroller.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM) { setNewBelow(false); markIfSeen(); }
  };

  /** @param {string} doc @param {string} field */
  const channelAction = async (doc, field) => {
    try {
      const data = await gql(doc, { input: { channelId: channel.id } });
      forgetPage(channel.slug);
      if (field === "leaveChannel") { forget(channel.id); navigate("/channels"); return; }
      setChannel({ ...channel, ...data[field].channel });
      if (field === "joinChannel") loadMyChannels();
    } catch (e) { setError(e); }
  };

  if (error && !channel) return html`<section class="screen"><${ErrorText} error=${error} /></section>`;
  if (!channel || !line) return html`<section class="screen"><p class="muted">${t("app.loading")}</p></section>`;

  const canAct = channel.viewerIsMember && !channel.archivedAt;
  const base = `/c/${channel.slug}`;
  /** @type {any[]} */
  const rows = [];
  let lastDay = "";
  for (const { node } of line.items) {
    const day = dayKey(node.createdAt);
    if (day !== lastDay) {
      rows.push(html`<li class="day" key=${`d-${day}`}><h2><span>${formatDay(node.createdAt)}</span></h2></li>`);
      lastDay = day;
    }
    rows.push(html`<li key=${node.id}><${Message} message=${node} canAct=${canAct}
      highlighted=${highlight === node.id} threadHref=${`${base}/t/${node.id}`}
      onChange=${(/** @type {any} */ m) => update((l) => withChanged(l, m))} /></li>`);
  }

  return html`
    <div class=${`conversation ${thread ? "with-thread" : ""}`}>
      <section class="channel" aria-labelledby="channel-title">
        <header class="channel-header">
          <h1 id="channel-title"><span aria-hidden="true">${channel.visibility === "PRIVATE" ? "🔒 " : "# "}</span>${channel.name}</h1>
          <p class="muted">
            <${Links} channel=${channel} onChange=${(/** @type {any[]} */ departments) => setChannel({ ...channel, departments })} />
            ${" · "}${t("browse.members", { count: channel.memberCount })}
            ${channel.topic ? html` · ${channel.topic}` : null}
          </p>
          <div class="channel-actions">
            ${channel.viewerIsMember
              ? html`
                <button type="button" aria-pressed=${channel.viewerHasMuted ? "true" : "false"}
                  onClick=${() => channelAction(channel.viewerHasMuted ? UNMUTE : MUTE, channel.viewerHasMuted ? "unmuteChannel" : "muteChannel")}>
                  ${channel.viewerHasMuted ? t("channel.unmute") : t("channel.mute")}</button>
                <button type="button" onClick=${() => channelAction(LEAVE, "leaveChannel")}>${t("channel.leave")}</button>`
              : channel.visibility === "PUBLIC" && !channel.archivedAt
                ? html`<button type="button" class="primary" onClick=${() => channelAction(JOIN, "joinChannel")}>${t("browse.join")}</button>`
                : null}
          </div>
        </header>
        <div class="messages" ref=${scroller} onScroll=${onScroll} aria-busy=${loading ? "true" : "false"}>
          <div ref=${top} class="edge">${line.hasOlder ? html`<span class="muted">${t("channel.loadingOlder")}</span>` : html`<span class="muted">${t("channel.start")}</span>`}</div>
          <ol class="message-list" aria-label=${t("channel.messages", { name: channel.name })} aria-live="polite" aria-relevant="additions">${rows}</ol>
          <div ref=${bottom} class="edge"></div>
        </div>
        ${newBelow || line.hasNewer ? html`<button type="button" class="to-newest" onClick=${toNewest}>${t("channel.toNewest")}</button>` : null}
        <${ErrorText} error=${error} />
        ${canAct
          ? html`<${Composer} channelId=${channel.id} label=${t("composer.label", { name: channel.name })}
              onPosted=${(/** @type {any} */ m) => { state.current.stick = true; if (!line.hasNewer) update((l) => withLive(l, { cursor: l.items[l.items.length - 1]?.cursor ?? "", node: m })); }} />`
          : html`<p class="muted composer-off">${channel.archivedAt ? t("channel.archived") : t("channel.joinToPost")}</p>`}
      </section>
      ${thread ? html`<${Thread} threadId=${thread} channel=${channel} closeHref=${base}
        highlight=${highlight} incoming=${replies} canAct=${canAct} />` : null}
    </div>`;
}
