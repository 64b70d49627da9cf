// The web client's performance budget, measured in a real browser (Debian's
// Chromium through playwright-core, installed in tests/web) against a
// running server, normally the release build on the `seed --bench` data set
// (docs/PERFORMANCE.md, "The web client"):
//
// - first load of `/` signed in: bytes of JS and CSS transferred, the number
//   of GraphQL requests, and the time until the newest 50 messages of a
//   channel are visible;
// - switching channels through the sidebar: time until the new channel's
//   messages are visible, p50 and p95 over `--switches` switches.
//
// node bench/web/load.mjs --url http://127.0.0.1:8080 --email bench-0001@bench.synaps.test \
//   --password synaps-bench-2026 --channel bench-001 --switches 40

import { chromium } from '../../tests/web/node_modules/playwright-core/index.mjs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    email: { type: 'string', default: 'bench-0001@bench.synaps.test' },
    password: { type: 'string', default: 'synaps-bench-2026' },
    channel: { type: 'string', default: 'bench-001' },
    switches: { type: 'string', default: '40' },
    chromium: { type: 'string', default: process.env.SYNAPS_CHROMIUM ?? '/usr/bin/chromium' },
  },
});

const browser = await chromium.launch({ executablePath: opts.chromium, headless: true });
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();

// Sign in once, so the measured load is "signed in": the tokens persist.
await page.goto(`${opts.url}/`);
await page.getByLabel('Email').fill(opts.email);
await page.getByLabel('Password').fill(opts.password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('button', { name: 'Sign out' }).waitFor();

// A cold cache for the first load: the bytes are what a new browser fetches.
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
await cdp.send('Network.clearBrowserCache');
let transferred = 0;
let graphqlRequests = 0;
cdp.on('Network.loadingFinished', (e) => { transferred += e.encodedDataLength; });
page.on('request', (r) => { if (new URL(r.url()).pathname === '/graphql') graphqlRequests += 1; });
const assets = new Map();
cdp.on('Network.responseReceived', (e) => { assets.set(e.requestId, e.response.url); });
let assetBytes = 0;
cdp.on('Network.loadingFinished', (e) => {
  const url = assets.get(e.requestId) ?? '';
  if (/\/assets\/.*\.(js|css)$/.test(url)) assetBytes += e.encodedDataLength;
});

const started = Date.now();
await page.goto(`${opts.url}/c/${opts.channel}`);
await page.waitForFunction(() => document.querySelectorAll('.message-list article').length >= 50, null, { timeout: 30_000 });
const firstLoadMs = Date.now() - started;
await page.waitForLoadState('networkidle');
// What the first load cost, before switching adds to the counters.
const firstLoad = { msToNewest50Visible: firstLoadMs, jsAndCssBytesTransferred: assetBytes, allBytesTransferred: transferred, graphqlRequests };

// Switch between the channels in the sidebar, round robin.
const slugs = await page.locator('nav a[data-channel]').evaluateAll((links) => links.map((a) => a.dataset.channel));
const times = [];
const count = Number(opts.switches);
for (let i = 0; i < count; i++) {
  const slug = slugs[(i + 1) % slugs.length];
  // Timed inside the page, from the click to the first frame that shows
  // the new channel's messages (not Playwright's own checks before it clicks).
  await page.evaluate(() => {
    window.__switchStart = null;
    document.addEventListener('click', () => { window.__switchStart = performance.now(); }, { capture: true, once: true });
  });
  await page.locator(`nav a[data-channel="${slug}"]`).click();
  const elapsed = await page.waitForFunction((s) => {
    const header = document.querySelector('.channel-header h1');
    const shown = location.pathname === `/c/${s}` && header && document.querySelectorAll('.message-list article').length > 0;
    return shown && window.__switchStart !== null ? performance.now() - window.__switchStart : false;
  }, slug, { timeout: 10_000, polling: 'raf' });
  times.push(Math.round(await elapsed.jsonValue()));
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];

console.log(JSON.stringify({
  firstLoad,
  switching: { switches: count, channels: slugs.length, p50Ms: pct(50), p95Ms: pct(95), maxMs: times[times.length - 1] },
}, null, 2));
await browser.close();
