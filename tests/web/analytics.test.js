// The synapses and the directory in a browser: a manager's heat map of
// department × department crossing activity (a table whose cells carry
// the numbers the API gives, a row reachable by keyboard), a staff member
// turned away with a clear message, and the directory from a department's
// synapses and channels to a person's page and their recent activity. On SQLite, and on PostgreSQL
// when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { graphql, signIn } from './helpers/api.js';
import { signInAs } from './helpers/client.js';
import { seriousViolations } from './helpers/axe.js';

const DEPARTMENTS = ['Communications', 'Customer Service', 'HR', 'Marketing', 'Sales'];

/** The range the screen's "last 4 weeks" asks for: 28 UTC days up to today. */
function lastFourWeeks() {
  const now = new Date();
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const from = new Date(to.getTime() - 28 * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

const SYNAPSES = `query ($from: NaiveDate!, $to: NaiveDate!) {
  synapses(from: $from, to: $to) {
    departments { name }
    messages { value suppressed } replies { value suppressed } reactions { value suppressed }
  }
}`;

for (const { name: backend, skip } of backends) {
  describe(`the synapses and the directory on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    async function open(person) {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, person);
      return page;
    }

    it("shows a manager the heat map of their department against every demo department, with the API's numbers in the cells and its row reachable by keyboard", async () => {
      const token = await signIn(run.server.url, 'jonas@example.com');
      const { synapses } = await graphql(run.server.url, SYNAPSES, { token, variables: lastFourWeeks() });
      const page = await open('jonas');
      await page.goto(`${run.server.url}/analytics`);
      const table = page.getByRole('table', { name: /Crossing acts .* between departments, the last 4 weeks/ });
      await table.waitFor();

      // A column for every demo department, and Jonas's own department as the row.
      for (const name of DEPARTMENTS) {
        await table.getByRole('columnheader', { name }).waitFor();
      }
      const row = table.getByRole('row', { name: /^Customer Service/ });
      const cells = row.getByRole('cell');
      assert.equal(await cells.count(), DEPARTMENTS.length);

      // Each cell's accessible name carries the figure the API gives (or says why there is none).
      let numbers = 0;
      for (const [i, name] of DEPARTMENTS.entries()) {
        const text = (await cells.nth(i).textContent()).trim();
        if (name === 'Customer Service') {
          assert.match(text, /Same department/);
          continue;
        }
        const synapse = synapses.find((s) => s.departments.some((d) => d.name === name));
        if (!synapse) {
          assert.match(text, /No synapse/);
        } else if ([synapse.messages, synapse.replies, synapse.reactions].some((f) => f.suppressed)) {
          assert.match(text, /hidden \(too few people\)/);
        } else {
          const acts = synapse.messages.value + synapse.replies.value + synapse.reactions.value;
          assert.equal(text, `${acts} crossing acts`, name);
          numbers++;
        }
      }
      assert.ok(numbers >= 2, `at least two demo synapses show a number (${numbers})`);
      await page.getByRole('list', { name: 'Colour key' }).waitFor();

      // The row's header is reached with Tab and opens the figures behind it.
      await page.getByRole('radio', { name: 'the last 4 weeks' }).focus();
      const rowButton = table.getByRole('button', { name: 'Customer Service' });
      for (let i = 0; i < 20 && !(await rowButton.evaluate((el) => el === document.activeElement)); i++) {
        await page.keyboard.press('Tab');
      }
      assert.ok(await rowButton.evaluate((el) => el === document.activeElement), 'the row header takes the focus');
      await page.keyboard.press('Enter');
      assert.equal(await rowButton.getAttribute('aria-pressed'), 'true');
      await page.getByRole('heading', { name: 'Synapses of Customer Service' }).waitFor();
      await page.getByRole('heading', { name: 'Customer Service ↔ HR' }).waitFor();

      // The period picker asks again and keeps the choice in the address.
      await page.getByRole('radio', { name: 'the last quarter (13 weeks)' }).check();
      // The heat map's own name: the activity table below names the period too.
      await page.getByRole('table', { name: /^Crossing acts .* the last quarter/ }).waitFor();
      assert.match(page.url(), /\/analytics\?period=quarter$/);
      // Individuals are never ranked for managers: no bridges.
      assert.equal(await page.getByRole('heading', { name: 'Bridges' }).count(), 0);
      await page.getByRole('heading', { name: 'A department over time' }).waitFor();
      await page.getByRole('table', { name: /Customer Service: activity per week/ }).waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('shows a manager the quiet links card on home, which leads to the synapses', async () => {
      const page = await open('sofia');
      await page.getByRole('heading', { name: 'Quiet links' }).waitFor();
      await page.getByRole('link', { name: 'Open the synapses' }).click();
      await page.getByRole('heading', { name: 'Synapses', level: 1 }).waitFor();
      await page.getByRole('table', { name: /between departments/ }).getByRole('button', { name: 'Marketing' }).waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it('tells a staff member plainly that the synapses are not for them, with no console error', async () => {
      const page = await open('anna');
      assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Synapses' }).count(), 0);
      await page.goto(`${run.server.url}/analytics`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.textContent(), /You do not have access to the synapses\..*for managers, the communications team and administrators/s);
      assert.equal(await page.getByRole('table').count(), 0);
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it("opens a department from the directory, its linked departments and a synapse's channel, then a person and their guest post", async () => {
      const { publicPosts } = await graphql(run.server.url,
        '{ publicPosts(department: "customer-service", first: 50) { nodes { title author { displayName } } } }');
      const annasPost = publicPosts.nodes.find((p) => p.author.displayName === 'Anna Berg');

      const page = await open('anna');
      await page.goto(`${run.server.url}/directory`);
      await page.getByRole('heading', { name: 'Directory', level: 1 }).waitFor();

      // People by search.
      await page.getByLabel('Search people').fill('jonas');
      await page.getByRole('status').filter({ hasText: 'Found: 1' }).waitFor();
      await page.getByRole('link', { name: 'Jonas Weber' }).waitFor();

      // A department: its synapses with HR run through #onboarding.
      await page.getByRole('main').getByRole('link', { name: 'Customer Service' }).click();
      await page.getByRole('heading', { name: 'Customer Service', level: 1 }).waitFor();
      const synapses = page.getByRole('region', { name: 'Synapses' });
      for (const name of ['Communications', 'HR', 'Marketing', 'Sales']) {
        await synapses.getByRole('heading', { name, level: 3 }).waitFor();
      }
      const withHr = synapses.getByRole('list', { name: 'Channels shared with HR' });
      await withHr.getByRole('link', { name: '# Onboarding' }).waitFor();
      assert.equal(await withHr.getByRole('link', { name: '# Onboarding' }).getAttribute('href'), '/c/onboarding');
      const people = page.getByRole('region', { name: /^People/ });
      await people.getByRole('link', { name: 'Jonas Weber' }).waitFor();

      // A person, from the department's people.
      await people.getByRole('link', { name: 'Anna Berg' }).click();
      await page.getByRole('heading', { name: 'Anna Berg', level: 1 }).waitFor();
      await page.getByText('Support Specialist').first().waitFor();
      await page.getByRole('region', { name: 'About' }).getByRole('link', { name: 'Customer Service' }).waitFor();
      if (annasPost) {
        await page.getByRole('link', { name: annasPost.title }).waitFor();
      } else {
        await page.getByText('No published guest posts yet.').waitFor();
      }

      // Her recent activity: the newest message the API gives, which leads
      // to itself in its channel (or thread), highlighted.
      const token = await signIn(run.server.url, 'anna@example.com');
      const { me } = await graphql(run.server.url,
        '{ me { recentMessages(first: 1) { nodes { id channel { name } parent { id } } } } }', { token });
      const newest = me.recentMessages.nodes[0];
      assert.ok(newest, 'the demo has messages by Anna');
      const activity = page.getByRole('region', { name: 'Recent activity' });
      const where = `${newest.parent ? 'Reply in' : 'In'} # ${newest.channel.name}`;
      const link = activity.getByRole('link', { name: where }).first();
      await link.waitFor();
      await link.click();
      await page.locator(`.message.highlight[data-message="${newest.id}"]`).first().waitFor();
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
    it('keeps the language chosen in the picker in the profile, so a fresh browser signed in as the same person speaks it after a reload', async () => {
      const token = await signIn(run.server.url, 'jonas@example.com');
      const page = await open('jonas');
      const saved = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('SaveLanguage'));
      await page.getByLabel('Language').first().selectOption('sv');
      await saved;
      await page.getByRole('button', { name: 'Logga ut' }).waitFor();
      const { me } = await graphql(run.server.url, '{ me { language } }', { token });
      assert.equal(me.language, 'sv');
      await page.context().close();

      // A new context: no localStorage, an English browser.
      const fresh = await isolatedPage(run.browser, run.server.url);
      await fresh.goto(`${run.server.url}/`);
      await fresh.getByLabel('Email').fill('jonas@example.com');
      await fresh.getByLabel('Password').fill('synaps-demo-2026');
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await fresh.getByRole('button', { name: 'Logga ut' }).waitFor();
      await fresh.reload();
      await fresh.getByRole('button', { name: 'Logga ut' }).waitFor();
      assert.equal(await fresh.evaluate(() => document.documentElement.lang), 'sv');
      assert.deepEqual(fresh.problems, []);
      await fresh.context().close();
      await graphql(run.server.url, 'mutation { updateProfile(input: { language: "" }) { user { language } } }', { token });
    });
    it('fits a 320 px wide phone (the heat map scrolls inside its own region) and has no serious axe-core violation, in light and dark', async () => {
      for (const colorScheme of ['light', 'dark']) {
        const context = await run.browser.newContext({ colorScheme, viewport: { width: 320, height: 640 } });
        const page = await context.newPage();
        await signInAs(page, run.server.url, 'clara');
        for (const [path, ready] of [
          ['/analytics', () => page.getByRole('heading', { name: 'Bridges' }).waitFor()],
          ['/directory', () => page.getByRole('status').waitFor()],
          ['/departments/customer-service', () => page.getByRole('heading', { name: 'Customer Service', level: 1 }).waitFor()],
          ['/people/anna', () => page.getByRole('heading', { name: 'Anna Berg', level: 1 }).waitFor()],
        ]) {
          await page.goto(`${run.server.url}${path}`);
          await ready();
          await page.waitForLoadState('networkidle');
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
            .filter((el) => !el.closest('.heat-scroll') && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map((el) => `${el.tagName}.${el.className}`).slice(0, 5));
          assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px: ${wide}`);
          assert.deepEqual(await seriousViolations(page), [], `${colorScheme} ${path}`);
        }
        await context.close();
      }
    });
  });
}
