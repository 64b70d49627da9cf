// The web client at `/`: served from the binary with a strict CSP and
// cache headers, within its size budget, and used by people in real
// browser contexts: signing in, posting and seeing it live, unread badges
// that agree across tabs, threads, mentions, reactions, a dropped network,
// hostile message bodies, a phone-sized screen. On SQLite, and on
// PostgreSQL when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { graphql, signIn } from './helpers/api.js';
import { signInAs, channelLink, unreadBadge, shownBodies } from './helpers/client.js';

const CHANNEL_ID = 'query ($slug: String!) { channel(slug: $slug) { id } }';
const POST = 'mutation ($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }';

async function post(url, token, slug, body, parentId = null) {
  const { channel } = await graphql(url, CHANNEL_ID, { token, variables: { slug } });
  const data = await graphql(url, POST, { token, variables: { input: { channelId: channel.id, body, parentId } } });
  return data.postMessage.message.id;
}

for (const { name: backend, skip } of backends) {
  describe(`the web client on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('serves its page with a strict CSP and its assets cached by build, compressed, within 150 KiB', async () => {
      const response = await fetch(`${run.server.url}/`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      const csp = response.headers.get('content-security-policy');
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]) {
        assert.ok(csp.split('; ').includes(directive), `${directive} in ${csp}`);
      }
      assert.ok(!csp.includes('unsafe'), csp);
      const page = await response.text();
      assert.ok(!/<script>|<style|\sstyle=/.test(page), 'no inline script or style');
      const assets = [...page.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      assert.ok(assets.some((a) => a.endsWith('/main.js')));
      let gzipped = 0;
      for (const asset of assets) {
        const got = await fetch(`${run.server.url}${asset}`, { headers: { 'accept-encoding': 'gzip, br' } });
        assert.equal(got.status, 200, asset);
        assert.equal(got.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
        const body = Buffer.from(await got.arrayBuffer());
        if (body.length > 1024) assert.ok(got.headers.get('content-encoding'), `${asset} is compressed`);
        gzipped += gzipSync(body).length; // fetch decoded it; gzip it again to measure
      }
      assert.ok(gzipped < 150 * 1024, `first load transfers ${gzipped} bytes of JS and CSS (gzip)`);
      // Reloading a client route serves the same page.
      const deep = await fetch(`${run.server.url}/c/onboarding/t/whatever`);
      assert.equal(deep.status, 200);
      assert.match(deep.headers.get('content-type'), /^text\/html/);
    });

    it('signs in, shows home and the channels by department, with nothing blocked or logged as an error', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      await page.getByRole('heading', { name: 'Hello, Anna' }).waitFor();
      await channelLink(page, 'onboarding').waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('shows a post live to another person with an unread badge, which clears in their second tab when read', async () => {
      const author = await isolatedPage(run.browser, run.server.url);
      await signInAs(author, run.server.url, 'jonas');
      const reader = await isolatedPage(run.browser, run.server.url);
      await signInAs(reader, run.server.url, 'anna');
      // Read up to now, so the count below is only what is posted here.
      await reader.goto(`${run.server.url}/c/renewals-escalations`);
      await reader.waitForFunction(() => {
        const link = document.querySelector('nav a[data-channel="renewals-escalations"]');
        return link && !link.querySelector('[data-unread]');
      });
      await reader.goto(`${run.server.url}/`);
      const otherTab = await reader.context().newPage();
      await otherTab.goto(`${run.server.url}/`);
      await channelLink(otherTab, 'renewals-escalations').waitFor();

      await author.goto(`${run.server.url}/c/renewals-escalations`);
      const composer = author.getByRole('combobox', { name: /Message #Renewals/ });
      await composer.fill('Acme renews on Friday, can support close ticket 4711 first?');
      await composer.press('Enter');
      await author.locator('.message-list article', { hasText: 'ticket 4711' }).waitFor();

      // The reader's sidebar counts it, on both tabs.
      await reader.waitForFunction(() => document.querySelector('nav a[data-channel="renewals-escalations"] [data-unread]'));
      assert.equal(await unreadBadge(reader, 'renewals-escalations'), '1');
      await otherTab.waitForFunction(() => document.querySelector('nav a[data-channel="renewals-escalations"] [data-unread]'));

      // Opening it in one tab clears the badge in the other.
      await channelLink(reader, 'renewals-escalations').click();
      await reader.locator('.message-list article', { hasText: 'ticket 4711' }).waitFor();
      await otherTab.waitForFunction(() => !document.querySelector('nav a[data-channel="renewals-escalations"] [data-unread]'));
      assert.equal(await unreadBadge(reader, 'renewals-escalations'), '');

      // A second message arrives live in the open conversation, after the first.
      await composer.fill('Update: ticket 4711 is closed.');
      await composer.press('Enter');
      await reader.locator('.message-list article', { hasText: 'is closed' }).waitFor();
      const bodies = await shownBodies(reader);
      assert.ok(bodies.findIndex((b) => b.includes('4711 first')) < bodies.findIndex((b) => b.includes('is closed')));
      assert.deepEqual([...author.problems, ...reader.problems], []);
      await author.context().close();
      await reader.context().close();
    });

    it('replies in a thread with a mention, and the mentioned person is notified and led to it', async () => {
      const jonas = await isolatedPage(run.browser, run.server.url);
      await signInAs(jonas, run.server.url, 'jonas');
      const anna = await isolatedPage(run.browser, run.server.url);
      await signInAs(anna, run.server.url, 'anna');

      const token = await signIn(run.server.url, 'tomas@example.com');
      const starter = await post(run.server.url, token, 'onboarding', 'Who can pair with the new hires on Monday?');
      await jonas.goto(`${run.server.url}/c/onboarding/t/${starter}`);
      await jonas.getByRole('heading', { name: 'Thread' }).waitFor();
      const reply = jonas.getByRole('combobox', { name: 'Reply…' });
      await reply.pressSequentially('@ann');
      await jonas.getByRole('option', { name: /Anna Berg/ }).waitFor();
      await reply.press('Enter');
      assert.equal(await reply.inputValue(), '@anna ');
      await reply.pressSequentially('can you take the morning?');
      await reply.press('Enter');
      await jonas.locator('.thread-replies article', { hasText: 'take the morning' }).waitFor();
      // The thread starter in the channel counts the reply.
      await jonas.locator(`#m-${starter} .replies`, { hasText: '1 reply' }).waitFor();

      // Anna's bell counts it; the notification opens the thread at the reply.
      await anna.waitForFunction(() => document.querySelector('[data-notifications]'));
      await anna.getByRole('link', { name: /Notifications, [1-9]/ }).click();
      await anna.getByRole('link', { name: /mentioned you/i }).first().click();
      await anna.getByRole('heading', { name: 'Thread' }).waitFor();
      await anna.locator('.thread .message.highlight', { hasText: 'take the morning' }).waitFor();
      assert.deepEqual([...jonas.problems, ...anna.problems], []);
      await jonas.context().close();
      await anna.context().close();
    });

    it('reacts to a message and takes the reaction back', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      const token = await signIn(run.server.url, 'jonas@example.com');
      const id = await post(run.server.url, token, 'onboarding', 'The checklist is in the wiki.');
      await page.goto(`${run.server.url}/c/onboarding?m=${id}`);
      const message = page.locator(`#m-${id}`);
      await message.getByRole('button', { name: 'Add a reaction' }).click();
      await message.getByRole('button', { name: 'rocket' }).click();
      await message.getByRole('button', { name: 'rocket: 1' }).waitFor();
      await message.getByRole('button', { name: 'rocket: 1' }).click();
      await message.getByRole('button', { name: 'rocket: 1' }).waitFor({ state: 'detached' });
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('after the network was cut, shows the messages posted meanwhile once, in order', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      await page.goto(`${run.server.url}/c/onboarding`);
      await page.getByRole('combobox', { name: /Message #Onboarding/ }).waitFor();
      const token = await signIn(run.server.url, 'jonas@example.com');
      await post(run.server.url, token, 'onboarding', 'before the cut');
      await page.locator('.message-list article', { hasText: 'before the cut' }).waitFor();

      await page.context().setOffline(true);
      await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 20_000 });
      for (const n of [1, 2, 3]) await post(run.server.url, token, 'onboarding', `while offline ${n}`);
      await page.context().setOffline(false);
      await page.locator('.message-list article', { hasText: 'while offline 3' }).waitFor({ timeout: 30_000 });
      const bodies = (await shownBodies(page)).filter((b) => /before the cut|while offline/.test(b)).map((b) => b.trim());
      assert.deepEqual(bodies, ['before the cut', 'while offline 1', 'while offline 2', 'while offline 3']);
      // Only the connection errors of the cut itself were logged.
      assert.deepEqual(page.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|WebSocket|ERR_NETWORK/.test(p)), []);
      await page.context().close();
    });

    it('renders HTML and script in a message as inert text', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      const token = await signIn(run.server.url, 'jonas@example.com');
      const id = await post(run.server.url, token, 'onboarding',
        '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> [click](javascript:window.pwned=3) <b onmouseover="window.pwned=4">bold</b>');
      await page.goto(`${run.server.url}/c/onboarding?m=${id}`);
      const message = page.locator(`#m-${id}`);
      await message.waitFor();
      await message.hover();
      await message.getByText('click').click().catch(() => {});
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.equal(await message.locator('script, [onerror], [onmouseover], a[href^="javascript"]').count(), 0);
      assert.deepEqual(page.problems.filter((p) => !p.includes('/x')), []);
      await page.context().close();
    });

    it('creates a channel between two departments, links a third and unlinks one', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'tomas');
      await page.getByRole('link', { name: 'Browse and create channels' }).click();
      const form = page.locator('form.create-channel');
      await form.getByLabel('Name').fill('Ticket triage');
      await form.getByLabel('Customer Service').check();
      await form.getByLabel('Sales').check();
      await form.getByRole('button', { name: 'Create channel' }).click();
      await page.getByRole('heading', { name: /Ticket triage/ }).waitFor();
      await channelLink(page, 'ticket-triage').waitFor();
      await page.getByRole('button', { name: 'Link a department' }).click();
      await page.getByLabel('Link a department').selectOption({ label: 'HR' });
      await page.locator('.channel-header a', { hasText: 'HR' }).waitFor();
      await page.getByRole('button', { name: 'Unlink Sales' }).click();
      await page.locator('.channel-header a', { hasText: 'Sales' }).waitFor({ state: 'detached' });
      // A name already taken is refused at the field, and the form keeps it.
      await page.getByRole('link', { name: 'Browse and create channels' }).click();
      await form.getByLabel('Name').fill('Ticket triage');
      await form.getByLabel('HR').check();
      await form.getByRole('button', { name: 'Create channel' }).click();
      await form.locator('#create-name-error').waitFor();
      assert.equal(await form.getByLabel('Name').inputValue(), 'Ticket triage');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('keeps what was typed when the session ends, and sends it after signing in again', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'leila');
      await page.goto(`${run.server.url}/c/announcements`);
      const composer = page.getByRole('combobox', { name: /Message #Announcements/ });
      await composer.fill('A thought worth keeping');
      // Another session of Leila's changes her password: this one ends.
      const token = await signIn(run.server.url, 'leila@example.com');
      await graphql(run.server.url, 'mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { expiresAt } }', {
        token, variables: { input: { currentPassword: 'synaps-demo-2026', newPassword: 'a-new-password-2026' } },
      });
      await composer.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', { name: 'Sign in again' }).waitFor();
      assert.equal(await composer.inputValue(), 'A thought worth keeping');
      await dialog.getByLabel('Email').fill('leila@example.com');
      await dialog.getByLabel('Password').fill('a-new-password-2026');
      await dialog.getByRole('button', { name: 'Sign in' }).click();
      await dialog.waitFor({ state: 'detached' });
      await composer.press('Enter');
      await page.locator('.message-list article', { hasText: 'A thought worth keeping' }).waitFor();
      assert.equal(await composer.inputValue(), '');
      await page.context().close();
    });

    it('switches channels by keyboard: Ctrl+K, and Alt+Shift+Down to the next unread', async () => {
      // Emma has read everything: the only unread channel will be the one posted to.
      const emma = await signIn(run.server.url, 'emma@example.com');
      const { channels } = await graphql(run.server.url, '{ channels(joined: true, first: 50) { nodes { id } } }', { token: emma });
      for (const { id } of channels.nodes) {
        await graphql(run.server.url, 'mutation ($input: MarkChannelReadInput!) { markChannelRead(input: $input) { channel { id } } }',
          { token: emma, variables: { input: { channelId: id } } });
      }
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'emma');
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Switch channel' }).fill('spring');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /Spring launch/ }).waitFor();
      const token = await signIn(run.server.url, 'jonas@example.com');
      await post(run.server.url, token, 'renewals-escalations', 'Emma, a renewal question when you have a minute.');
      await page.waitForFunction(() => document.querySelector('nav a[data-channel="renewals-escalations"] [data-unread]'));
      await page.keyboard.press('Alt+Shift+ArrowDown');
      await page.getByRole('heading', { name: /Renewals and escalations/ }).waitFor();
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('speaks Swedish when chosen, with every English text translated', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'amara'); // her choice is kept in her profile: nobody else's tests see it
      await page.locator('.topbar').getByLabel('Language').selectOption('sv');
      await page.getByRole('button', { name: 'Logga ut' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'sv');
      // Both catalogues, with every screen's texts registered, have the same keys.
      const build = (await page.locator('script[type=module]').getAttribute('src')).split('/')[2];
      const missing = await page.evaluate(async (b) => {
        const { catalogues } = await import(`/assets/${b}/i18n/index.js`);
        const { en, sv } = catalogues();
        return {
          sv: Object.keys(en).filter((k) => !(k in sv) && !/\.(one|other)$/.test(k)),
          en: Object.keys(sv).filter((k) => !(k in en) && !/\.(one|other)$/.test(k)),
        };
      }, build);
      assert.deepEqual(missing, { sv: [], en: [] });
      await page.context().close();
    });

    it('fits a 320 px wide phone: no sideways scrolling, the sidebar behind the menu button', async () => {
      const context = await run.browser.newContext({ viewport: { width: 320, height: 640 } });
      const page = await context.newPage();
      await signInAs(page, run.server.url, 'anna');
      await page.getByRole('button', { name: 'Menu' }).waitFor();
      await page.goto(`${run.server.url}/c/onboarding`);
      await page.getByRole('combobox', { name: /Message #Onboarding/ }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      await page.getByRole('button', { name: 'Menu' }).click();
      await channelLink(page, 'announcements').click();
      await page.getByRole('heading', { name: /Announcements/ }).waitFor();
      await context.close();
    });
  });
}

// Every screen of the client, as a person with each kind of role sees it.
const SCREENS = [
  ['anna', '/'],
  ['anna', '/channels'],
  ['anna', '/c/onboarding'],
  ['anna', '/notifications'],
  ['anna', '/round'],
  ['anna', '/posts'],
  ['anna', '/directory'],
  ['anna', '/departments/customer-service'],
  ['anna', '/people/jonas'],
  ['jonas', '/analytics'],
  ['clara', '/review'],
  ['anna', '/search?q=onboarding'],
];

for (const { name: backend, skip } of backends) {
  describe(`the web client's accessibility on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('has no serious or critical axe-core violation on any screen, in light and dark', async () => {
      const { scanScreens } = await import('./helpers/axe.js');
      const found = await scanScreens(run.browser, run.server.url, SCREENS);
      assert.deepEqual(found, []);
    });

    it('signs in on the sign-in page with an accessible form', async () => {
      const { seriousViolations } = await import('./helpers/axe.js');
      const page = await isolatedPage(run.browser, run.server.url);
      await page.goto(`${run.server.url}/`);
      await page.getByLabel('Email').waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await page.context().close();
    });
  });
}
