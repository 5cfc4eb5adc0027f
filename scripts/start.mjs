// `npm start`: provisions what it needs (idempotent), packages Berth, installs the .vsix into a VS Code host
// on 127.0.0.1 with a demo workspace, and prints the URL. Ctrl-C stops everything it started.
// Env: BERTH_PORT (default 8470, or a free port when taken), BERTH_CACHE (default /var/cache/berth).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CACHE, freePort, installVsix, newToken, startServer, workbenchUrl } from './lib/vscodeHost.mjs';
import { removeOrphanedKernels } from './lib/kernelCleanup.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const say = (msg) => console.log(`[berth] ${msg}`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[berth] ${[cmd, ...args].join(' ')} failed (exit ${r.status}); see the lines above.`);
    process.exit(r.status ?? 1);
  }
}

async function portToUse() {
  const wanted = Number(process.env.BERTH_PORT || 8470);
  const probe = await fetch(`http://127.0.0.1:${wanted}/`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
  return probe ? freePort() : wanted;
}

const t0 = Date.now();
say('provisioning (each step is skipped when its result exists)');
run('bash', ['scripts/provision/docker.sh']);
run('bash', ['scripts/provision/images.sh']);
run('bash', ['scripts/provision/vscode-host.sh']);
say('packaging the extension');
run(process.execPath, ['scripts/package.mjs']);

// A persistent demo folder: settings, trust decisions and edits to the demo workspace survive restarts.
const runDir = join(CACHE, 'demo');
for (const d of ['ud', 'sd/data/Machine', 'ext', 'xdg', 'tmp']) mkdirSync(join(runDir, d), { recursive: true });
const workspace = join(runDir, 'workspace');
if (!existsSync(workspace)) {
  cpSync(join(ROOT, 'test/fixtures/workspace'), workspace, { recursive: true });
  say(`demo workspace created in ${workspace}`);
}
say(installVsix(join(ROOT, 'dist/berth.vsix'), runDir).split('\n').pop());

const token = newToken();
const server = await startServer({ runDir, port: await portToUse(), token, trust: true });
const url = workbenchUrl({ baseUrl: server.baseUrl, token, folder: workspace });
say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. Open this URL in a browser on this machine (it listens on 127.0.0.1 only):`);
console.log(`\n    ${url}\n`);
say('Press Ctrl-C to stop.');

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping the VS Code host`);
  await server.stop();
  const removed = await removeOrphanedKernels().catch((e) => (say(`kernel cleanup failed: ${e.message}`), 0));
  if (removed > 0) say(`removed ${removed} kernel container(s) the host left behind`);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
server.child.once('exit', (code) => {
  if (!stopping) {
    say(`the VS Code host exited (code ${code}); log: ${server.logFile}`);
    process.exit(1);
  }
});
