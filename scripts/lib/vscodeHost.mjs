// Starts and drives the real VS Code host used by the e2e tier and by `npm start`: the VS Code server that
// ships inside the npm package code-server (provisioned by scripts/provision/vscode-host.sh), with its
// workbench opened in Debian's headless Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const CODE_SERVER_VERSION = process.env.BERTH_CODE_SERVER_VERSION || '4.100.3';
export const CACHE = process.env.BERTH_CACHE || '/var/cache/berth';
export const HOST_DIR = join(CACHE, 'vscode-host', `code-server-${CODE_SERVER_VERSION}`);
export const SERVER_MAIN = join(HOST_DIR, 'vscode', 'out', 'server-main.js');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh folder for one run of the host: user data, server data, extensions, XDG dirs and TMPDIR. */
export function makeRunDir(prefix) {
  const root = join(CACHE, 'runs');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${prefix}-`));
  for (const d of ['ud', 'sd/data/Machine', 'ext', 'xdg', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/** Installs a .vsix into an extensions folder with the server's own CLI, as a user's host would. */
export function installVsix(vsix, runDir) {
  const r = spawnSync(process.execPath, [SERVER_MAIN, '--install-extension', vsix, '--force',
    '--extensions-dir', join(runDir, 'ext'), '--user-data-dir', join(runDir, 'ud'), '--server-data-dir', join(runDir, 'sd'),
    '--accept-server-license-terms'], { encoding: 'utf8', env: hostEnv(runDir) });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return (r.stdout + r.stderr).trim();
}

function hostEnv(runDir, extra = {}) {
  return { ...process.env, TMPDIR: join(runDir, 'tmp'), XDG_CONFIG_HOME: join(runDir, 'xdg'), XDG_DATA_HOME: join(runDir, 'xdg'), ...extra };
}

/**
 * Starts the VS Code server on 127.0.0.1 in its own process group (so stop() also ends the extension host
 * and file watchers). Resolves when /version answers.
 */
export async function startServer({ runDir, port, token, trust = false, smokeTestDriver = false, env = {}, settings = {}, netns }) {
  if (!existsSync(SERVER_MAIN)) throw new Error(`VS Code host missing at ${HOST_DIR}: run scripts/provision/vscode-host.sh`);
  port ??= await freePort();
  // The web workbench reads user settings from the server's user-data dir; Machine settings sit beside them.
  const all = JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2);
  mkdirSync(join(runDir, 'ud/User'), { recursive: true });
  writeFileSync(join(runDir, 'ud/User/settings.json'), all);
  writeFileSync(join(runDir, 'sd/data/Machine/settings.json'), all);
  // netns ({ name, address }, tests only): the server and its extension host run in that network namespace, listening
  // on its address (the namespace's own 127.0.0.1 cannot be reached from here), e.g. as the client of a remote engine.
  const listenOn = netns ? netns.address : '127.0.0.1';
  const args = [SERVER_MAIN, '--host', listenOn, '--port', String(port), '--accept-server-license-terms',
    '--telemetry-level', 'off', '--user-data-dir', join(runDir, 'ud'), '--server-data-dir', join(runDir, 'sd'),
    '--extensions-dir', join(runDir, 'ext')];
  args.push(...(token ? ['--connection-token', token] : ['--without-connection-token']));
  if (!trust) args.push('--disable-workspace-trust');
  if (smokeTestDriver) args.push('--enable-smoke-test-driver');
  const logFile = join(runDir, 'server.log');
  const out = openSync(logFile, 'a');
  const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns.name, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', out, out], env: hostEnv(runDir, env) });
  const baseUrl = `http://${listenOn}:${port}`;
  let exited = false;
  // If this process ends first (a test run stopped by a signal exits through process.exit), the host goes too.
  const killOnExit = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  process.on('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
  });
  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited) throw new Error(`VS Code server exited during start:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${baseUrl}/version`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`VS Code server did not answer within 60 s (log: ${logFile})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async () => {
    if (exited) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    const end = Date.now() + 5000;
    while (!exited && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  return { port, baseUrl, token, logFile, stop, child };
}

export function workbenchUrl({ baseUrl, token, folder, payload }) {
  const u = new URL(baseUrl + '/');
  if (token) u.searchParams.set('tkn', token);
  if (folder) u.searchParams.set('folder', folder);
  if (payload) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

export function remoteUri(baseUrl, path) {
  return `vscode-remote://${new URL(baseUrl).host}${path}`;
}

/** Headless Chromium with a throw-away profile, flags that keep it off the (closed) network. */
export async function launchBrowser(runDir, { viewport = { width: 1400, height: 900 }, colorScheme } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = join(runDir, 'chromium');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    colorScheme,
    env: { ...process.env, XDG_CONFIG_HOME: profile },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] || (await context.newPage());
  return { context, page, close: () => context.close().catch(() => {}) };
}

export function newToken() {
  return randomBytes(24).toString('hex');
}

export function removeRunDir(runDir) {
  if (!process.env.BERTH_KEEP_RUNS) rmSync(runDir, { recursive: true, force: true });
}
