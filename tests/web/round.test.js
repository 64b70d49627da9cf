// The weekly round in the browser: a check-in whose challenge is addressed
// to another department, seen live in the author's department round,
// answered by a member of the department asked (from their round's routed
// view), and the author seeing the answer and resolving it; and an input
// the server refuses shown at its field, with what was typed kept. On
// SQLite, and on PostgreSQL when SYNAPS_TEST_POSTGRES_URL is set.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { backends } from './helpers/server.js';
import { serverAndBrowser } from './helpers/suite.js';
import { isolatedPage } from './helpers/browser.js';
import { signInAs } from './helpers/client.js';
import { seriousViolations } from './helpers/axe.js';

for (const { name: backend, skip } of backends) {
  describe(`the weekly round on ${backend}`, { skip }, () => {
    const run = serverAndBrowser(backend);

    it('routes a challenge to another department, shows it live in the round, lets that department answer it, and the author sees the answer', async () => {
      // Anna (customer service) watches her department's round.
      const watcher = await isolatedPage(run.browser, run.server.url);
      await signInAs(watcher, run.server.url, 'anna');
      await watcher.goto(`${run.server.url}/round`);
      const csRound = watcher.getByRole('region', { name: 'The round of Customer Service' });
      await csRound.getByRole('heading', { name: /^Not shared yet/ }).waitFor();
      assert.ok(await csRound.getByRole('link', { name: 'Tomás Ortega' }).isVisible(), 'Tomás is not shared yet');

      // Tomás (customer service) checks in, asking Sales for help.
      const author = await isolatedPage(run.browser, run.server.url);
      await signInAs(author, run.server.url, 'tomas');
      await author.getByRole('link', { name: 'Share your check-in' }).click();
      await author.getByLabel("Last week's wins").fill('Cut the **refund** queue to zero.');
      await author.getByRole('button', { name: 'Add a challenge' }).click();
      await author.getByRole('textbox', { name: 'Challenge 1', exact: true }).fill('Which renewals are at risk this month?');
      await author.getByLabel('Ask a department for help (optional)').selectOption({ label: 'Sales' });
      await author.getByRole('radio', { name: '4 · Good' }).check();
      await author.getByRole('button', { name: 'Share my check-in' }).click();
      const mine = author.getByRole('region', { name: 'My check-in this week' });
      await mine.getByText('Shared. You can change it until the week ends.').waitFor();
      assert.equal(await mine.locator('.body strong').textContent(), 'refund', 'wins rendered from the server HTML');
      await mine.getByText('Asked of Sales').waitFor();
      await mine.getByText('Your mood: Good.').waitFor();

      // Anna sees it arrive without reloading; Tomás's mood is not shown to her.
      const tomas = csRound.getByRole('article', { name: 'Tomás Ortega' });
      await tomas.getByText('Which renewals are at risk this month?').waitFor();
      assert.equal(await tomas.getByText(/Your mood/).count(), 0);
      assert.equal(await csRound.getByRole('link', { name: 'Tomás Ortega' }).count(), 0, 'no longer listed as not shared');

      // Emma (sales) finds it among what other departments asked Sales, and answers in its thread.
      const helper = await isolatedPage(run.browser, run.server.url);
      await signInAs(helper, run.server.url, 'emma');
      await helper.goto(`${run.server.url}/round`);
      const routed = helper.getByRole('region', { name: 'Asked of Sales by other departments' });
      const asked = routed.getByRole('listitem').filter({ hasText: 'Which renewals are at risk this month?' });
      await asked.getByText('From Tomás Ortega').waitFor();
      await asked.getByText('Open', { exact: true }).waitFor();
      await asked.getByRole('button', { name: /^Show the thread/ }).click();
      await asked.getByText('No answers yet.').waitFor();
      await asked.getByLabel('Your answer').fill('Three accounts: I will send you the list today.');
      await asked.getByRole('button', { name: /answer$/i }).click();
      await asked.getByText('Three accounts: I will send you the list today.').waitFor();
      await asked.getByText(/^Answered by Emma Laurent/).waitFor();
      assert.equal(await asked.getByLabel('Your answer').inputValue(), '', 'the answer box is emptied once sent');

      // Tomás sees the answer (after a reload: answering is not a round change), reads it, and resolves the challenge.
      await author.reload();
      const challenge = author.getByRole('region', { name: 'My check-in this week' }).getByRole('listitem')
        .filter({ hasText: 'Which renewals are at risk this month?' });
      await challenge.getByText(/^Answered by Emma Laurent/).waitFor();
      await challenge.getByRole('button', { name: /^Show the thread/ }).click();
      await challenge.getByText('Three accounts: I will send you the list today.').waitFor();
      await challenge.getByRole('button', { name: 'Mark resolved' }).click();
      await challenge.getByText('Resolved', { exact: true }).waitFor();
      await challenge.getByRole('button', { name: 'Reopen' }).waitFor();

      // Anna's round hears the resolution live.
      await tomas.getByText('Resolved', { exact: true }).waitFor();

      for (const page of [watcher, author, helper]) {
        assert.deepEqual(page.problems, []);
        await page.context().close();
      }
    });

    it('shows what the server refuses at the field concerned and keeps everything typed', async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'leila');
      await page.goto(`${run.server.url}/round`);
      await page.getByRole('button', { name: 'Edit my check-in' }).click();

      // Wins over 64 KiB: BAD_USER_INPUT on `wins`.
      const wins = `${'Long week. '.repeat(6600)}`;
      await page.getByLabel("Last week's wins").fill(wins);
      await page.getByRole('button', { name: 'Add a challenge' }).click();
      await page.getByRole('textbox', { name: 'Challenge 2', exact: true }).fill('Keep this challenge text');
      await page.getByRole('button', { name: 'Save changes' }).click();
      const winsError = page.locator('#checkin-wins-error');
      await winsError.waitFor();
      assert.match(await winsError.textContent(), /at most 65536 bytes/);
      assert.equal(await page.getByLabel("Last week's wins").getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel("Last week's wins").getAttribute('aria-describedby'), 'checkin-wins-error');
      assert.equal(await page.getByLabel("Last week's wins").inputValue(), wins);
      assert.equal(await page.getByRole('textbox', { name: 'Challenge 2', exact: true }).inputValue(), 'Keep this challenge text');

      // Fixed, it saves.
      await page.getByLabel("Last week's wins").fill('Covered the phones on the team day.');
      await page.getByRole('button', { name: 'Save changes' }).click();
      const mine = page.getByRole('region', { name: 'My check-in this week' });
      await mine.getByText('Shared. You can change it until the week ends.').waitFor();
      await mine.getByText('Keep this challenge text').waitFor();

      // Time away ending before it starts: BAD_USER_INPUT on `from`.
      const away = page.getByRole('region', { name: 'Time away' });
      await away.getByLabel('First day away').fill('2027-02-20');
      await away.getByLabel('Last day away').fill('2027-02-10');
      await away.getByLabel('Note for yourself (optional)').fill('Ski trip');
      await away.getByRole('button', { name: 'Add', exact: true }).click();
      const fromError = away.locator('#away-from-error');
      await fromError.waitFor();
      assert.match(await fromError.textContent(), /must not be after/);
      assert.equal(await away.getByLabel('Note for yourself (optional)').inputValue(), 'Ski trip');
      assert.equal(await away.getByLabel('First day away').inputValue(), '2027-02-20');

      // Fixed, it is listed, and can be cancelled.
      await away.getByLabel('Last day away').fill('2027-02-27');
      await away.getByRole('button', { name: 'Add', exact: true }).click();
      const cancel = away.getByRole('button', { name: /^Cancel time away/ });
      await cancel.waitFor();
      await away.getByText('Ski trip').waitFor();
      await cancel.click();
      await away.getByText('No time away recorded.').waitFor();

      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    it("says on home where this week's check-in stands, with a link to the round", async () => {
      const page = await isolatedPage(run.browser, run.server.url);
      await signInAs(page, run.server.url, 'anna');
      const card = page.getByRole('region', { name: 'Weekly round' });
      await card.getByText('You shared your check-in this week.').waitFor();
      await card.getByRole('link', { name: 'Open the weekly round' }).click();
      await page.getByRole('heading', { name: 'Weekly round', level: 1 }).waitFor();
      await page.context().close();

      const other = await isolatedPage(run.browser, run.server.url);
      await signInAs(other, run.server.url, 'kenji');
      const notYet = other.getByRole('region', { name: 'Weekly round' });
      await notYet.getByText('You have not shared your check-in this week yet.').waitFor();
      await notYet.getByRole('link', { name: 'Share your check-in' }).click();
      await other.getByRole('button', { name: 'Share my check-in' }).waitFor();
      assert.deepEqual(page.problems, []);
      assert.deepEqual(other.problems, []);
      await other.context().close();
    });

    it('fits a 320 px wide phone and has no serious axe-core violation, in light and dark, with a thread open', async () => {
      for (const colorScheme of ['light', 'dark']) {
        const context = await run.browser.newContext({ colorScheme, viewport: { width: 320, height: 640 } });
        const page = await context.newPage();
        await signInAs(page, run.server.url, 'anna');
        await page.goto(`${run.server.url}/round`);
        const mine = page.getByRole('region', { name: 'My check-in this week' });
        await mine.getByRole('button', { name: /^Show the thread/ }).click();
        await mine.getByLabel('Your answer').waitFor();
        await page.getByRole('region', { name: 'The round of Customer Service' }).getByRole('article').first().waitFor();
        await page.waitForLoadState('networkidle');
        // The shell's top bar is wider than 320 px at the time of writing
        // (not this screen's); set aside, the round alone must fit.
        await page.evaluate(() => { document.querySelector('.topbar').style.display = 'none'; });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        const wide = await page.evaluate(() => [...document.querySelectorAll('.round *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((el) => `${el.tagName}.${el.className}`).slice(0, 5));
        assert.ok(overflow <= 0, `the round scrolls sideways by ${overflow}px: ${wide}`);
        await page.evaluate(() => { document.querySelector('.topbar').style.display = ''; });
        await mine.getByRole('button', { name: 'Edit my check-in' }).click();
        await mine.getByRole('button', { name: 'Save changes' }).waitFor();
        await page.goto(`${run.server.url}/round/sales`);
        await page.getByRole('region', { name: 'Asked of Sales by other departments' }).waitFor();
        await page.waitForLoadState('networkidle');
        assert.deepEqual(await seriousViolations(page), [], `${colorScheme} /round/sales`);
        await page.goto(`${run.server.url}/round`);
        await page.getByRole('button', { name: 'Edit my check-in' }).click();
        await page.getByRole('button', { name: 'Add a challenge' }).click();
        await page.waitForLoadState('networkidle');
        assert.deepEqual(await seriousViolations(page), [], `${colorScheme} /round, editing`);
        await context.close();
      }
    });
  });
}
