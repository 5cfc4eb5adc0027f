// `npm start`: provisions what it needs (idempotent), packages Berth, installs the .vsix into a VS Code host
// on 127.0.0.1 with a demo workspace, and prints the URL. Then, in the background, it builds (first time only) and
// brings up the demo Kubernetes cluster and registry, printing progress as `[cluster] …`; the demo workspace's
// settings point Berth at that cluster's kubeconfig and at the registry 127.0.0.1:5000.
// Ctrl-C stops everything it started (the cluster only if it was not already up).
// Env: BERTH_PORT (default 8470, or a free port when taken), BERTH_CACHE (default /var/cache/berth).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CACHE, freePort, installVsix, newToken, startServer, workbenchUrl } from './lib/vscodeHost.mjs';
import { removeOrphanedKernels } from './lib/kernelCleanup.mjs';
import * as cluster from './lib/cluster.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const say = (msg) => console.log(`[berth] ${msg}`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[berth] ${[cmd, ...args].join(' ')} failed (exit ${r.status}); see the lines above.`);
    process.exit(r.status ?? 1);
  }
}

/** The demo workspace's Berth settings point at the demo cluster and registry; other settings are kept. */
function demoSettings(folder) {
  const file = join(folder, '.vscode', 'settings.json');
  let settings = {};
  if (existsSync(file)) {
    try {
      settings = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      say(`${file} is not plain JSON (comments?): left as it is; set berth.kubernetes.kubeconfig to ${cluster.KUBECONFIG} yourself`);
      return;
    }
  }
  const wanted = { 'berth.kubernetes.kubeconfig': cluster.KUBECONFIG, 'berth.registry': cluster.REGISTRY };
  if (Object.entries(wanted).every(([k, v]) => settings[k] === v)) return;
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...settings, ...wanted }, null, 2) + '\n');
  say(`demo settings: berth.kubernetes.kubeconfig = ${cluster.KUBECONFIG}, berth.registry = ${cluster.REGISTRY}`);
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
demoSettings(workspace);
say(installVsix(join(ROOT, 'dist/berth.vsix'), runDir).split('\n').pop());

const token = newToken();
const server = await startServer({ runDir, port: await portToUse(), token, trust: true });
const url = workbenchUrl({ baseUrl: server.baseUrl, token, folder: workspace });
say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s. Open this URL in a browser on this machine (it listens on 127.0.0.1 only):`);
console.log(`\n    ${url}\n`);
say('Press Ctrl-C to stop.');

// The demo cluster, in the background: the host is already usable, and the Cluster view shows the cluster as soon
// as it answers.
const clusterSay = (msg) => console.log(`[cluster] ${msg}`);
let stopping = false;
const clusterAbort = new AbortController();
let clusterOurs = false;
let provisioning;
const clusterReady = (async () => {
  const t = Date.now();
  clusterSay('building what is missing (scripts/provision/kubernetes.sh; about 15 min the first time, a no-op after)');
  const code = await new Promise((done) => {
    provisioning = spawn('bash', ['scripts/provision/kubernetes.sh'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of [provisioning.stdout, provisioning.stderr]) createInterface({ input: stream }).on('line', (l) => clusterSay(l));
    provisioning.once('exit', (c, signal) => done(c ?? signal));
    provisioning.once('error', (e) => done(e.message));
  });
  provisioning = undefined;
  if (code !== 0) throw new Error(`scripts/provision/kubernetes.sh failed (${code})`);
  if ((await cluster.status()).up) {
    clusterSay('the cluster already runs: using it (Ctrl-C leaves it up)');
    return;
  }
  clusterOurs = true;
  const r = await cluster.up({ say: clusterSay, signal: clusterAbort.signal });
  clusterOurs = r.started;
  clusterSay(`ready ${((Date.now() - t) / 1000).toFixed(1)} s after the host: kubeconfig ${cluster.KUBECONFIG}, registry ${cluster.REGISTRY}`);
})().catch((e) => {
  if (!stopping) clusterSay(`the demo cluster could not come up: ${e.message}`);
});

async function stop(signal, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping the VS Code host`);
  await server.stop();
  const removed = await removeOrphanedKernels().catch((e) => (say(`kernel cleanup failed: ${e.message}`), 0));
  if (removed > 0) say(`removed ${removed} kernel container(s) the host left behind`);
  clusterAbort.abort(new Error(`stopped by ${signal}`));
  if (provisioning) {
    try { process.kill(-provisioning.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  await clusterReady;
  if (clusterOurs) {
    say('stopping the demo cluster and registry');
    await cluster.down({ say: clusterSay }).catch((e) => say(`cluster down: ${e.message}`));
  }
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
server.child.once('exit', (code) => {
  if (!stopping) {
    say(`the VS Code host exited (code ${code}); log: ${server.logFile}`);
    void stop('host exit', 1);
  }
});
