// Headless Chromium (Debian's package) through playwright-core, with the
// network cut to everything but the server under test: a request anywhere
// else is aborted and recorded, as are console errors, CSP violations and
// uncaught exceptions, so a test can assert that none happened.

import { chromium } from 'playwright-core';

export const executablePath = process.env.SYNAPS_CHROMIUM ?? '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath,
    headless: true,
    // No calls home: on a machine without internet they only fail, noisily.
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--disable-gpu'],
  });
}

/**
 * A fresh page that may reach only `origin`. `page.problems` lists what went
 * wrong so far: requests elsewhere, console errors, CSP violations, page
 * errors.
 */
export async function isolatedPage(browser, origin) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) {
      return route.continue();
    }
    problems.push(`request outside synaps: ${url}`);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not routed by page.route; the page's CSP keeps them to
  // this origin, and any other attempt is recorded here.
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== new URL(origin).host) {
      problems.push(`WebSocket outside synaps: ${socket.url()}`);
    }
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.problems = problems;
  return page;
}
