// Takes the web client's screenshots for docs/screenshots/ and the README:
// the main screens on a desktop, on a phone and in dark mode, from a
// running demo server (`synaps serve --demo`), signed in as demo people.
//
//   node tests/web/screenshots.mjs http://127.0.0.1:8080

import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { executablePath } from './helpers/browser.js';
import { signInAs } from './helpers/client.js';

const url = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

// [file, person, path, viewport, colour scheme]
const SHOTS = [
  ['client-conversation-desktop.png', 'anna', '/c/onboarding', { width: 1400, height: 860 }, 'light'],
  ['client-thread-dark.png', 'anna', '/c/onboarding/t/THREAD', { width: 1400, height: 860 }, 'dark'],
  ['client-home-desktop.png', 'clara', '/', { width: 1400, height: 860 }, 'light'],
  ['client-round-desktop.png', 'anna', '/round', { width: 1400, height: 860 }, 'light'],
  ['client-analytics-dark.png', 'jonas', '/analytics', { width: 1400, height: 860 }, 'dark'],
  ['client-review-desktop.png', 'clara', '/review', { width: 1400, height: 860 }, 'light'],
  ['client-search-desktop.png', 'anna', '/search?q=onboa', { width: 1400, height: 860 }, 'light'],
  ['client-person-dark.png', 'anna', '/people/jonas', { width: 1400, height: 860 }, 'dark'],
  ['client-conversation-phone.png', 'anna', '/c/onboarding', { width: 390, height: 780 }, 'light'],
  ['client-round-phone-dark.png', 'anna', '/round', { width: 390, height: 780 }, 'dark'],
];

const browser = await chromium.launch({ executablePath, headless: true });
for (const [file, person, where, viewport, colorScheme] of SHOTS) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await signInAs(page, url, person);
  let target = where;
  if (where.includes('THREAD')) {
    // The thread with the most replies in the channel.
    await page.goto(`${url}${where.split('/t/')[0]}`);
    await page.locator('.message-list article').first().waitFor();
    const id = await page.locator('a.replies').evaluateAll((links) => links
      .map((a) => ({ href: a.getAttribute('href'), n: parseInt(a.textContent, 10) || 0 }))
      .sort((x, y) => y.n - x.n)[0].href);
    target = id;
  }
  await page.goto(`${url}${target}`);
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(out, file) });
  console.log(file);
  await context.close();
}
await browser.close();
