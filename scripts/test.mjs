// `npm test`: provisions what the tiers need (idempotent, cached outside the repo), builds, brings the local
// cluster and registry up, runs unit → integration → e2e, and ends with one line `N passed, N failed` summed over
// the tiers. Honest by construction:
//   - a tier that cannot run (provisioning failed, the host did not start, no results) counts as a failure;
//   - a skipped test counts as a failure (a skipped check is not a pass);
//   - a filter applies only when passed on the command line (`--grep PATTERN`), and the summary says so;
//     BERTH_TEST_GREP in the environment is ignored;
//   - each tier has a time limit; a tier that reaches it is stopped (its whole process group) and fails;
//   - the cluster is brought down at the end, even when tests fail or the run is interrupted (SIGINT, SIGTERM),
//     but only if this run brought it up.
// The tiers get the cluster's kubeconfig in BERTH_TEST_KUBECONFIG and the registry in BERTH_TEST_REGISTRY; when the
// cluster could not come up, BERTH_TEST_CLUSTER_ERROR says why and the cluster tests fail with it.
// usage: node scripts/test.mjs [unit] [integration] [e2e] [--grep PATTERN]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as cluster from './lib/cluster.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const RESULTS = join(ROOT, '.berth-test-results');
const ALL = ['unit', 'integration', 'e2e'];
const MIN = 60 * 1000;
// Time limits, far above a normal run on a loaded 2-core machine (unit ≈ 10 s, integration ≈ 2-4 min,
// e2e host ≈ 2-4 min, e2e UI ≈ 2-4 min), so reaching one means a hang.
const LIMITS = { provision: 60 * MIN, unit: 5 * MIN, integration: 25 * MIN, 'e2e (extension host)': 25 * MIN, 'e2e (workbench UI)': 25 * MIN };

function parseArgs(argv) {
  const tiers = [];
  let grep;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--grep') {
      grep = argv[++i];
      if (!grep) usage('--grep needs a pattern');
    } else if (a.startsWith('--grep=')) grep = a.slice('--grep='.length);
    else if (ALL.includes(a)) tiers.push(a);
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  return { selected: tiers.length ? tiers : ALL, grep };
}
function usage(why) {
  console.error(`${why}\nusage: node scripts/test.mjs [unit] [integration] [e2e] [--grep PATTERN]`);
  process.exit(2);
}

const { selected, grep } = parseArgs(process.argv.slice(2));
const inheritedGrep = process.env.BERTH_TEST_GREP;
delete process.env.BERTH_TEST_GREP;
const t0 = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (msg) => console.log(`\n[test] ${msg}`);
const rows = [];
const cannotRun = (tier, why) => rows.push({ tier, passed: 0, failed: 1, skipped: 0, note: `could not run: ${why}` });

// ---------------------------------------------------------------------------------------------------------------
// Children run in their own process group, so that a time limit or a signal stops all of a tier (its mocha, the
// VS Code host and Chromium it started), not only its first process.

let current;
let interrupted;

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function run(cmd, args, { env = {}, limitMs = LIMITS.provision, name = args[0] } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env }, detached: true });
    current = child;
    let timedOut = false;
    let hardKill;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\n[test] ${name} reached its time limit of ${limitMs / MIN} min: stopping it`);
      killGroup(child, 'SIGTERM');
      hardKill = setTimeout(() => killGroup(child, 'SIGKILL'), 15000);
    }, limitMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ code: 127, timedOut, error: e });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      // Whatever the tier left in its group goes with it.
      killGroup(child, 'SIGKILL');
      current = undefined;
      resolvePromise({ code: code ?? (signal ? 128 : 1), signal, timedOut });
    });
  });
}

function onSignal(signal) {
  if (interrupted) {
    if (current) killGroup(current, 'SIGKILL');
    return;
  }
  interrupted = signal;
  console.log(`\n[test] ${signal}: stopping the running step, then cleaning up`);
  clusterAbort.abort(new Error(`interrupted by ${signal}`));
  if (current) {
    killGroup(current, signal);
    const child = current;
    setTimeout(() => killGroup(child, 'SIGKILL'), 15000).unref();
  }
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function readResults(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The cluster: brought up in the background while the build and the unit tier run; its log is printed when a tier
// needs it, so that it does not interleave with test output.

const clusterAbort = new AbortController();
const clusterLog = [];
const clusterSay = (msg) => clusterLog.push(`[berth ${new Date().toTimeString().slice(0, 8)}] ${msg}`);
const flushClusterLog = () => {
  if (clusterLog.length) console.log(clusterLog.splice(0).join('\n'));
};
let clusterOurs = false;
let clusterError;
let clusterUp = Promise.resolve();

async function bringClusterUp() {
  const start = Date.now();
  try {
    const before = await cluster.status();
    if (before.up) {
      clusterSay(`the cluster already runs (left up by \`npm run cluster -- up\`): using it, and leaving it up`);
      return;
    }
    clusterOurs = true;
    const r = await cluster.up({ say: clusterSay, signal: clusterAbort.signal });
    clusterOurs = r.started;
    clusterSay(`cluster ready for the tests in ${elapsed(start)}`);
  } catch (error) {
    clusterError = error.message;
    clusterSay(`the cluster could not come up: ${error.message}`);
  }
}

async function bringClusterDown() {
  if (!clusterOurs) return;
  say('bringing down the cluster and registry this run started');
  try {
    await cluster.down({ say: (m) => console.log(`[berth ${new Date().toTimeString().slice(0, 8)}] ${m}`) });
  } catch (error) {
    rows.push({ tier: 'cluster down', passed: 0, failed: 1, skipped: 0, note: error.message.replace(/\n\s*/g, '; ') });
  }
}

// ---------------------------------------------------------------------------------------------------------------

function tierEnv() {
  return clusterError
    ? { BERTH_TEST_CLUSTER_ERROR: clusterError }
    : { BERTH_TEST_KUBECONFIG: cluster.KUBECONFIG, BERTH_TEST_REGISTRY: cluster.REGISTRY };
}

async function mochaTier(tier, dirs, timeoutMs) {
  const file = join(RESULTS, `${tier.replace(/\W+/g, '-')}.json`);
  const start = Date.now();
  say(`${tier} tests`);
  const r = await run(process.execPath, ['scripts/lib/mochaRun.cjs', ...(grep ? ['--grep', grep] : []), ...dirs], {
    env: { BERTH_TEST_RESULTS: file, BERTH_TEST_TIMEOUT_MS: String(timeoutMs), ...tierEnv() }, limitMs: LIMITS[tier], name: `the ${tier} tier`,
  });
  record(tier, readResults(file), r, start);
}

function record(tier, results, exit, start) {
  if (exit.timedOut) {
    rows.push({ tier, passed: results?.passed ?? 0, failed: (results?.failed ?? 0) + 1, skipped: results?.skipped ?? 0, note: `stopped at its time limit of ${LIMITS[tier] / MIN} min` });
  } else if (!results) {
    cannotRun(tier, `the test runner wrote no results (exit ${exit.code})`);
  } else {
    // A run that exits non-zero with nothing failed (a crash after the last test) is a failure too.
    const extra = exit.code !== 0 && results.failed + results.skipped === 0 ? 1 : 0;
    rows.push({ tier, passed: results.passed, failed: results.failed + extra, skipped: results.skipped, note: elapsed(start), skippedTitles: results.skippedTitles });
  }
}

async function main() {
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });
  if (inheritedGrep) say(`ignoring BERTH_TEST_GREP=${JSON.stringify(inheritedGrep)} from the environment: every test runs (pass --grep to filter)`);

  // 1. Provisioning: each step is a no-op when its result exists.
  const needsDocker = selected.some((t) => t !== 'unit');
  const needsCluster = needsDocker;
  const needsHost = selected.includes('e2e');
  let dockerOk = true;
  let hostOk = true;
  if (needsDocker) {
    say('provisioning Docker Engine and the default kernel image');
    dockerOk = (await run('bash', ['scripts/provision/docker.sh'])).code === 0 && !interrupted && (await run('bash', ['scripts/provision/images.sh'])).code === 0;
  }
  if (needsDocker && !interrupted) {
    // Not a gate for the tier: without these the remote-engine tests fail, saying what is missing.
    say('provisioning the remote-engine test pieces: OpenSSH server, socat (scripts/provision/remote.sh)');
    await run('bash', ['scripts/provision/remote.sh']);
  }
  if (needsCluster && !interrupted) {
    say('provisioning the Kubernetes cluster binaries (scripts/provision/kubernetes.sh)');
    const built = (await run('bash', ['scripts/provision/kubernetes.sh'])).code === 0;
    if (!built) clusterError = 'scripts/provision/kubernetes.sh failed (see above)';
    else if (!interrupted) {
      say('bringing the cluster and registry up in the background (its log follows before the integration tier)');
      clusterUp = bringClusterUp();
    }
  }
  if (needsHost && !interrupted) {
    say('provisioning the VS Code host');
    hostOk = (await run('bash', ['scripts/provision/vscode-host.sh'])).code === 0;
  }

  // 2. Build: the development bundle and out/ for the tiers; the .vsix for the e2e UI checks.
  say('building');
  const built = !interrupted && (await run(process.execPath, ['scripts/build.mjs'])).code === 0;
  let packaged = true;
  if (built && selected.includes('e2e')) {
    packaged = (await run(process.execPath, ['scripts/package.mjs'])).code === 0;
    // scripts/package.mjs leaves a production bundle in dist/; the extension tests load dist/ too, so rebuild dev.
    await run(process.execPath, ['scripts/build.mjs']);
  }

  for (const tier of selected) {
    if (interrupted) {
      cannotRun(tier, `the run was interrupted (${interrupted})`);
      continue;
    }
    if (!built) {
      cannotRun(tier, 'the build failed');
      continue;
    }
    if (tier === 'unit') await mochaTier('unit', ['out/test/unit'], 10000);
    if (tier !== 'unit') {
      await clusterUp;
      flushClusterLog();
      if (clusterError && !rows.some((r) => r.tier === 'cluster')) cannotRun('cluster', clusterError.split('\n')[0]);
    }
    if (tier === 'integration') {
      if (!dockerOk) cannotRun('integration', 'no Docker Engine or kernel image (see provisioning above)');
      else await mochaTier('integration', ['out/test/integration'], 180000);
    }
    if (tier === 'e2e') {
      if (!dockerOk || !hostOk || !packaged) {
        cannotRun('e2e', !packaged ? 'packaging the .vsix failed' : 'provisioning failed (see above)');
        continue;
      }
      const file = join(RESULTS, 'e2e-host.json');
      const start = Date.now();
      say('e2e tests in the VS Code extension host');
      const r = await run(process.execPath, ['scripts/lib/runExtensionTests.mjs', ...(grep ? ['--grep', grep] : [])], {
        env: { BERTH_TEST_RESULTS: file, ...tierEnv() }, limitMs: LIMITS['e2e (extension host)'], name: 'the e2e (extension host) tier',
      });
      record('e2e (extension host)', readResults(file), r, start);
      if (!interrupted) await mochaTier('e2e (workbench UI)', ['out/test/e2e/ui'], 300000);
    }
  }
}

let exitCode = 1;
try {
  await main();
} catch (error) {
  rows.push({ tier: 'runner', passed: 0, failed: 1, skipped: 0, note: `scripts/test.mjs failed: ${error.message}` });
} finally {
  clusterAbort.abort();
  await clusterUp;
  flushClusterLog();
  await bringClusterDown();

  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const skipped = rows.reduce((n, r) => n + r.skipped, 0);
  // A skipped test is a check that did not run: it counts as failed.
  const failed = rows.reduce((n, r) => n + r.failed, 0) + skipped;
  console.log('\n| tier | passed | failed | skipped | |\n|---|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.tier} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.note} |`);
  for (const r of rows) for (const title of r.skippedTitles ?? []) console.log(`skipped (counted as failed): ${r.tier}: ${title}`);
  console.log(`\ntotal ${elapsed(t0)}`);
  if (grep) console.log(`filter: --grep ${JSON.stringify(grep)} — only the matching tests ran`);
  if (interrupted) console.log(`interrupted by ${interrupted}`);
  console.log(`${passed} passed, ${failed} failed`);
  exitCode = interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : failed > 0 || rows.length === 0 ? 1 : 0;
}
process.exit(exitCode);
