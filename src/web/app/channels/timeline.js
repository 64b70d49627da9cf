// A channel's messages as the screen holds them: a window of at most
// `WINDOW` thread starters, oldest first, each with its cursor. Scrolling
// back loads older pages and, past the window, drops the newest; scrolling
// down again loads them back. So 10,000 messages scrolled through keep the
// page's DOM and memory bounded. Live messages are appended only while the
// window reaches the newest one.

/** @typedef {{ cursor: string, node: any }} Item */
/** @typedef {{ items: Item[], hasOlder: boolean, hasNewer: boolean }} Timeline */

export const WINDOW = 300;

/** @param {{ edges: Item[], pageInfo: { hasNextPage: boolean } }} page newest first
 * @returns {Timeline} */
export function fromPage(page) {
  return { items: [...page.edges].reverse(), hasOlder: page.pageInfo.hasNextPage, hasNewer: false };
}

/** Older messages (a page from `first/after`, newest first) go on top.
 * @param {Timeline} line @param {{ edges: Item[], pageInfo: { hasNextPage: boolean } }} page */
export function withOlder(line, page) {
  const known = new Set(line.items.map((i) => i.node.id));
  const older = [...page.edges].reverse().filter((e) => !known.has(e.node.id));
  let items = [...older, ...line.items];
  let hasNewer = line.hasNewer;
  if (items.length > WINDOW) {
    items = items.slice(0, WINDOW);
    hasNewer = true;
  }
  return { items, hasOlder: page.pageInfo.hasNextPage, hasNewer };
}

/** Newer messages (a page from `last/before`, newest first) go below.
 * @param {Timeline} line @param {{ edges: Item[], pageInfo: { hasPreviousPage: boolean } }} page */
export function withNewer(line, page) {
  const known = new Set(line.items.map((i) => i.node.id));
  const newer = [...page.edges].reverse().filter((e) => !known.has(e.node.id));
  let items = [...line.items, ...newer];
  let hasOlder = line.hasOlder;
  if (items.length > WINDOW) {
    items = items.slice(items.length - WINDOW);
    hasOlder = true;
  }
  return { items, hasOlder, hasNewer: page.pageInfo.hasPreviousPage };
}

/** A live thread starter: appended once, in order, if the window is at the newest.
 * @param {Timeline} line @param {Item} edge */
export function withLive(line, edge) {
  if (line.items.some((i) => i.node.id === edge.node.id)) {
    // Posted here and shown at once; the subscription brings its cursor.
    return { ...line, items: line.items.map((i) => (i.node.id === edge.node.id ? { ...i, cursor: edge.cursor || i.cursor } : i)) };
  }
  if (line.hasNewer) return line;
  const items = [...line.items, edge];
  return { ...line, items: items.length > WINDOW ? items.slice(1) : items, hasOlder: line.hasOlder || items.length > WINDOW };
}

/** A message as it is now (edited, deleted, reacted to, or its reply count).
 * @param {Timeline} line @param {any} node */
export function withChanged(line, node) {
  if (!line.items.some((i) => i.node.id === node.id)) return line;
  return { ...line, items: line.items.map((i) => (i.node.id === node.id ? { ...i, node: { ...i.node, ...node } } : i)) };
}
