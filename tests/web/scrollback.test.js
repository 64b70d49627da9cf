// Scrolling back through a long channel keeps the page bounded: the
// conversation holds a window of at most 300 thread starters
// (src/web/app/channels/timeline.js), dropping the newest while going back
// and loading them again on the way forward, so the DOM and memory stay
// the same size however far back a person reads. On SQLite, and on
// PostgreSQL when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { graphql, signIn } from './helpers/api.js';
import { signInAs } from './helpers/client.js';

const MESSAGES = 700;
const PER_REQUEST = 20; // the root-field limit
const NEWEST = `scroll ${String(MESSAGES).padStart(4, '0')}`;

/** Posts `MESSAGES` numbered messages to `slug`, oldest first. */
async function fill(url, token, slug) {
  const { channel } = await graphql(url, 'query ($slug: String!) { channel(slug: $slug) { id } }', { token, variables: { slug } });
  for (let from = 1; from <= MESSAGES; from += PER_REQUEST) {
    const numbers = Array.from({ length: Math.min(PER_REQUEST, MESSAGES - from + 1) }, (_, i) => from + i);
    const args = numbers.map((n) => `$m${n}: PostMessageInput!`).join(', ');
    const fields = numbers.map((n) => `p${n}: postMessage(input: $m${n}) { message { id } }`).join(' ');
    const variables = Object.fromEntries(numbers.map((n) => [`m${n}`, { channelId: channel.id, body: `scroll ${String(n).padStart(4, '0')}` }]));
    await graphql(url, `mutation (${args}) { ${fields} }`, { token, variables });
  }
}

const shownCount = (page) => page.locator('.message-list article').count();

for (const { name: backend, skip } of backends) {
  describe(`a long conversation on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend, { env: { SYNAPS_CONTENT_PER_MINUTE: '100000' } });

    before(async () => {
      await fill(run.server.url, await signIn(run.server.url, 'jonas@example.com'), 'renewals-escalations');
    });

    it('scrolls back to the first message and forward to the newest with at most 300 messages on the page', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      await page.goto(`${run.server.url}/c/renewals-escalations`);
      await page.locator('.message-list article', { hasText: NEWEST }).waitFor();
      assert.ok((await shownCount(page)) <= 50);

      let most = 0;
      for (let step = 0; step < 60; step++) {
        if (await page.getByText('The beginning of the channel.').isVisible()) break;
        await page.locator('.messages').evaluate((el) => { el.scrollTop = 0; });
        await page.waitForFunction(() => document.querySelector('.messages')?.getAttribute('aria-busy') === 'false');
        await page.waitForTimeout(50);
        most = Math.max(most, await shownCount(page));
      }
      await page.locator('.message-list article', { hasText: 'scroll 0001' }).waitFor();
      assert.ok(most <= 300, `at most 300 messages on the page while going back, saw ${most}`);
      assert.equal(await page.locator('.message-list article', { hasText: NEWEST }).count(), 0, 'the newest were let go');

      // Forward again: the newest come back, the page stays bounded.
      await page.getByRole('button', { name: 'New messages ↓' }).click();
      await page.locator('.message-list article', { hasText: NEWEST }).waitFor();
      assert.ok((await shownCount(page)) <= 300);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  });
}
