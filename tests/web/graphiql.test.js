// GraphiQL works without the internet: the page and everything it loads
// come from synaps, its CSP allows only synaps, and in a real browser with
// every other address blocked it renders, reads the schema into its docs
// explorer and runs a query. On SQLite, and on PostgreSQL when
// SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { backends, startServer } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { graphql, signIn } from './helpers/api.js';

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const VISIBLE_TOOL_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

/** Replaces the text of a CodeMirror editor by typing, as a person would. */
async function typeInto(page, selector, text) {
  await page.click(selector);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
  const typed = await page.evaluate((s) => document.querySelector(s).CodeMirror.getValue(), selector);
  assert.equal(typed, text, 'the editor holds what was typed (brackets close themselves)');
  // GraphiQL reads the operation out of the editor 100 ms after the last key.
  await page.waitForTimeout(300);
}

for (const { name: backend, skip } of backends) {
  describe(`GraphiQL on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('serves the page with a CSP that allows only synaps, and every asset from synaps', async () => {
      const response = await fetch(`${run.server.url}/graphql`, { headers: { accept: 'text/html' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type'), /^text\/html/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      const csp = response.headers.get('content-security-policy');
      for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
        assert.ok(csp.split('; ').includes(directive), `${directive} in ${csp}`);
      }
      assert.doesNotMatch(csp, /https?:|\*|unsafe/);

      const html = await response.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== 'data:,');
      assert.equal(assets.length, 6, `assets: ${assets}`);
      for (const asset of assets) {
        assert.match(asset, /^\/graphiql\/[a-z.-]+\?v=[0-9a-f]+$/);
        const served = await fetch(run.server.url + asset);
        assert.equal(served.status, 200, asset);
        const type = asset.includes('.css') ? /^text\/css/ : /^text\/javascript/;
        assert.match(served.headers.get('content-type'), type, asset);
        assert.equal(served.headers.get('x-content-type-options'), 'nosniff', asset);
        assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
      }
    });

    it('renders GraphiQL with the network outside synaps blocked, lists Query in the docs explorer and runs a query', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      try {
        await page.goto(`${run.server.url}/graphql`);
        await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });

        // The docs explorer is built from the schema GraphiQL introspected.
        await page.click('button[aria-label="Show Documentation Explorer"]');
        const queryType = page.locator('.graphiql-doc-explorer-type-name', { hasText: /^Query$/ });
        await queryType.waitFor({ timeout: 15_000 });
        await queryType.click();
        await page.locator('.graphiql-doc-explorer-field-name', { hasText: /^publicPosts$/ }).waitFor();

        // Type a query as a person would, and run it.
        await typeInto(page, QUERY_EDITOR, '{ publicPosts(first: 3) { nodes { title } } }');
        await page.click('.graphiql-execute-button');

        await page.waitForFunction(() => document.querySelector('.graphiql-response')?.innerText.includes('"title"'), null, { timeout: 15_000 });
        const answer = await page.locator('.graphiql-response').innerText();
        assert.match(answer, /"publicPosts"/);
        assert.match(answer, /What 4,000 support chats taught us about onboarding/);
        assert.doesNotMatch(answer, /"errors"/);

        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });

    it('runs a subscription over the WebSocket, signed in through the Headers tab', async () => {
      const token = await signIn(run.server.url, 'anna@example.com');
      const { channels } = await graphql(
        run.server.url,
        '{ channels(first: 1, joined: true) { nodes { id messages(first: 1) { edges { cursor } } } } }',
        { token },
      );
      const [channel] = channels.nodes;
      const after = channel.messages.edges[0].cursor;
      const page = await isolatedPage(run.browser, run.server.url);
      try {
        await page.goto(`${run.server.url}/graphql`);
        await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
        await page.click('button:has-text("Headers")');
        await typeInto(page, VISIBLE_TOOL_EDITOR, `{"Authorization": "Bearer ${token}"}`);
        // From the newest message on: one posted before the subscription
        // starts is replayed, one posted after it is heard live.
        await typeInto(page, QUERY_EDITOR, `subscription { messageAdded(channel: "${channel.id}", after: "${after}") { node { body author { displayName } } } }`);
        const socket = page.waitForEvent('websocket');
        await page.click('.graphiql-execute-button');
        const ws = await socket;
        assert.equal(new URL(ws.url()).pathname, '/graphql/ws');

        await graphql(
          run.server.url,
          'mutation ($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }',
          { token, variables: { input: { channelId: channel.id, body: 'Heard in GraphiQL' } } },
        );

        await page.waitForFunction(() => document.querySelector('.graphiql-response')?.innerText.includes('Heard in GraphiQL'), null, { timeout: 15_000 });
        const answer = await page.locator('.graphiql-response').innerText();
        assert.match(answer, /"messageAdded"/);
        assert.match(answer, /"displayName": "Anna Berg"/);
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });

    it("opens GraphiQL's dialogs without a CSP violation", async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      try {
        await page.goto(`${run.server.url}/graphql`);
        await page.waitForSelector(QUERY_EDITOR, { timeout: 30_000 });
        for (const label of ['Open settings dialog', 'Open short keys dialog']) {
          await page.click(`button[aria-label="${label}"]`);
          await page.getByRole('dialog').waitFor();
          await page.keyboard.press('Escape');
          await page.getByRole('dialog').waitFor({ state: 'detached' });
        }
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });
  });
}

describe('GraphiQL in production', () => {
  let server;

  before(async () => {
    server = await startServer({
      args: [],
      env: { SYNAPS_ENV: 'production', SYNAPS_JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' },
    });
  });

  after(async () => {
    await server?.stop();
  });

  it('serves neither the page nor its assets', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 400);
    assert.doesNotMatch(page.headers.get('content-type'), /html/);
    const asset = await fetch(`${server.url}/graphiql/start.js`);
    assert.equal(asset.status, 404);
  });
});
