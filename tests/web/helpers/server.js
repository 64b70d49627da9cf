// The real synaps server for a browser test: the debug binary on an
// ephemeral port, with a fresh SQLite data dir, or a fresh uniquely named
// PostgreSQL database created from SYNAPS_TEST_POSTGRES_URL and dropped
// afterwards (as tests/api/helpers does for the Rust tests).

import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The server binary: SYNAPS_BIN, or the workspace's debug build. */
export const binary = process.env.SYNAPS_BIN ?? path.join(root, 'target/debug/synaps');

const postgresUrl = process.env.SYNAPS_TEST_POSTGRES_URL;

/**
 * The databases every test runs on: SQLite, and PostgreSQL when
 * SYNAPS_TEST_POSTGRES_URL is set (skipped with that reason otherwise).
 */
export const backends = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: postgresUrl ? false : 'SYNAPS_TEST_POSTGRES_URL is not set' },
];

async function psql(url, sql) {
  await run('psql', ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', '--dbname', url, '--command', sql]);
}

/**
 * Starts `synaps serve` on `backend` ('sqlite' or 'postgres') and waits for
 * /readyz. `env` adds variables (e.g. SYNAPS_ENV); `args` replaces the
 * arguments after `serve` (default `--demo`: the demo company, so queries
 * have something to show). Returns { url, stop }.
 */
export async function startServer({ backend = 'sqlite', env = {}, args = ['--demo'] } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`cargo build\` first (or set SYNAPS_BIN)`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'synaps-web-'));
  let database = null;
  const serverEnv = {
    ...process.env,
    SYNAPS_BIND: '127.0.0.1:0',
    SYNAPS_DATA_DIR: dataDir,
    SYNAPS_LOG_FORMAT: 'json',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...env,
  };
  delete serverEnv.DATABASE_URL;
  if (backend === 'postgres') {
    const name = `synaps_web_${randomUUID().replaceAll('-', '')}`;
    await psql(postgresUrl, `CREATE DATABASE ${name}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    database = name;
    serverEnv.DATABASE_URL = url.toString();
  }

  const child = spawn(binary, ['serve', ...args], {
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // A server that dies or hangs under a test leaves only timeouts in the
  // test's report; its own output says why, so print it then.
  let stopping = false;
  exited.then(() => {
    if (!stopping) {
      report(`synaps exited during the test (code ${child.exitCode}, signal ${child.signalCode})`, output);
    }
  });

  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        report('synaps did not stop within 10 s of SIGTERM; killing it', output);
        child.kill('SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
    if (database) {
      await psql(postgresUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  };

  try {
    const url = await listening(() => output, exited);
    await ready(url);
    return { url, stop, output: () => output };
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n--- server output ---\n${output}`);
  }
}

/** The address from the banner (`synaps is listening on http://…`). */
async function listening(output, exited) {
  let gone = false;
  exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const found = output().match(/listening on (http:\/\/[0-9.:]+)/);
    if (found) return found[1];
    if (gone) throw new Error('synaps exited before it listened');
    await sleep(50);
  }
  throw new Error('synaps did not listen within 60 s');
}

async function ready(url) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not accepting yet
    }
    await sleep(100);
  }
  throw new Error(`${url}/readyz did not answer 200 within 30 s`);
}

function report(what, output) {
  process.stderr.write(`${what}\n--- server output ---\n${output}\n--- end of server output ---\n`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
