// The web client as a person uses it: signing in through the form, and
// finding things by their role and name, as a screen reader would.

/** Opens the client and signs in as a demo person (`anna` → anna@example.com). */
export async function signInAs(page, url, person) {
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(`${person}@example.com`);
  await page.getByLabel('Password').fill('synaps-demo-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The sidebar link of a channel (its accessible name carries the counts). */
export function channelLink(page, slug) {
  return page.locator(`nav a[data-channel="${slug}"]`);
}

/** The unread badge of a channel in the sidebar ('' when there is none). */
export async function unreadBadge(page, slug) {
  const badge = channelLink(page, slug).locator('[data-unread]');
  return (await badge.count()) ? (await badge.textContent()).trim() : '';
}

/** The messages shown in the open conversation, oldest first, as text. */
export async function shownBodies(page) {
  return page.locator('.channel .message-list article .body').allTextContents();
}
