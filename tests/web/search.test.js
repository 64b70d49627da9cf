// Search in the web client: the box in the top bar (Ctrl/⌘ F and `/`
// focus it), results as you type grouped by kind with the server's
// snippets, ↑/↓ between hits, the kind filter, and a message hit opening
// in its channel scrolled to and highlighted. On SQLite, and on PostgreSQL
// when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { graphql, signIn } from './helpers/api.js';
import { signInAs } from './helpers/client.js';

const MESSAGES = `query ($query: String!) {
  search(query: $query, kinds: [MESSAGE], first: 5) {
    edges { node { node { ... on Message { id channel { slug } parent { id } } } } }
  }
}`;

for (const { name: backend, skip } of backends) {
  describe(`search in the web client on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('finds as you type, groups by kind, moves by keyboard and opens a message where it was written', async () => {
      const token = await signIn(run.server.url, 'anna@example.com');
      const { search } = await graphql(run.server.url, MESSAGES, { token, variables: { query: 'onboarding' } });
      const first = search.edges[0]?.node.node;
      assert.ok(first, 'the demo has messages about onboarding');

      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      // `/` focuses the box from anywhere but a text field.
      await page.locator('main').click();
      await page.keyboard.press('/');
      const box = page.getByRole('searchbox', { name: 'Search' });
      assert.equal(await box.evaluate((el) => el === document.activeElement), true);
      await box.pressSequentially('onboa', { delay: 30 });
      await page.waitForURL(/\/search\?q=onboa$/);
      const results = page.locator('.search-results');
      const messages = results.getByRole('region', { name: /^Messages/ });
      await messages.waitFor();
      await results.getByRole('region', { name: /^Channels/ }).waitFor();
      // The server's snippet: the match marked, nothing else as markup.
      assert.ok(await results.locator('mark').count() > 0);
      assert.equal(await results.locator('.snippet script, .snippet img, .snippet a').count(), 0);

      // ↓ from the box to the first hit, ↓ to the next, ↑ back, ↑ to the box.
      await box.press('ArrowDown');
      const hits = results.locator('[data-hit]');
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-hit') ?? document.activeElement?.id);
      assert.equal(await focused(), await hits.nth(0).getAttribute('data-hit'));
      await page.keyboard.press('ArrowDown');
      assert.equal(await focused(), await hits.nth(1).getAttribute('data-hit'));
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      assert.equal(await focused(), 'search-box');

      // The kind filter keeps messages only.
      await page.getByLabel('Show').selectOption('MESSAGE');
      await page.waitForURL(/kind=MESSAGE/);
      await results.getByRole('region', { name: /^Channels/ }).waitFor({ state: 'detached' });
      await messages.waitFor();

      // Ctrl+F comes back to the box; a full word, then the best message
      // hit opens in its channel, scrolled to and highlighted.
      await page.keyboard.press('Control+f');
      assert.equal(await focused(), 'search-box');
      await page.keyboard.press('End');
      await page.keyboard.type('rding');
      await page.waitForURL(/q=onboarding/);
      const hit = results.locator(`[data-hit="${first.id}"]`);
      await hit.waitFor();
      await hit.click();
      await page.waitForURL(new RegExp(`/c/${first.channel.slug}.*m=`));
      await page.locator(`.message.highlight[data-message="${first.id}"]`).first().waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('says so when nothing is found, and refuses a NUL clearly', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      await page.goto(`${run.server.url}/search?q=${encodeURIComponent('zyxwvutsrq')}`);
      await page.getByRole('status').filter({ hasText: 'Nothing found for “zyxwvutsrq”.' }).waitFor();
      await page.goto(`${run.server.url}/search?q=${encodeURIComponent('a\u0000b')}`);
      await page.getByRole('alert').filter({ hasText: /NUL/ }).waitFor();
      await page.context().close();
    });
  });
}
