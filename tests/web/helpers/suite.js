// What the tests of one `describe` block share: the real server on one
// database and a browser, started before its first test and stopped after
// its last. `run.server.url` and `run.browser` are there once `before` ran.

import { before, after } from 'node:test';

import { startServer } from './server.js';
import { launch } from './browser.js';

/**
 * @param {string} backend  'sqlite' or 'postgres'
 * @param {object} [options]  passed to startServer (env, args)
 */
export function serverAndBrowser(backend, options = {}) {
  const run = { server: null, browser: null };
  before(async () => {
    run.server = await startServer({ backend, ...options });
    run.browser = await launch();
  });
  after(async () => {
    await run.browser?.close();
    await run.server?.stop();
  });
  return run;
}
