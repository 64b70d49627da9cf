// axe-core (from npm, tests/web/package.json) run inside the page. It is
// evaluated through the DevTools protocol, which the page's CSP does not
// govern, so the CSP under test stays as strict as in production.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The serious and critical WCAG 2.x A/AA violations on the page now, each
 * as "rule: target (summary)".
 */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? v.help})`));
}

/**
 * Visits `screens` ([person, path] pairs, each person signed in once) in
 * light and in dark, and returns every serious or critical violation as
 * "scheme path: violation". `each(page, path, scheme)` may return more
 * problems of its own for a screen.
 */
export async function scanScreens(browser, url, screens, each = async () => []) {
  const { signInAs } = await import('./client.js');
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    const people = new Map();
    for (const [person, path] of screens) {
      if (!people.has(person)) {
        const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await signInAs(page, url, person);
        people.set(person, page);
      }
      const page = people.get(person);
      await page.goto(`${url}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page)) found.push(`${colorScheme} ${path}: ${v}`);
      found.push(...(await each(page, path, colorScheme)));
    }
    for (const page of people.values()) await page.context().close();
  }
  return found;
}
