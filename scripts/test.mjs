// `npm test`: provisions what the tiers need (idempotent, cached outside the repo), builds, then runs
// unit → integration → e2e and ends with one line `N passed, N failed` summed over the tiers.
// A tier that cannot run (provisioning failed, the host did not start, no results) counts as a failure.
// usage: node scripts/test.mjs [unit] [integration] [e2e]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const RESULTS = join(ROOT, '.berth-test-results');
const ALL = ['unit', 'integration', 'e2e'];
const tiers = process.argv.slice(2).filter((a) => ALL.includes(a));
const selected = tiers.length ? tiers : ALL;
const t0 = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (msg) => console.log(`\n[test] ${msg}`);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function readResults(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });
const rows = [];
const cannotRun = (tier, why) => rows.push({ tier, passed: 0, failed: 1, note: `could not run: ${why}` });

// 1. Provisioning: each step is a no-op when its result exists.
const needsDocker = selected.some((t) => t !== 'unit');
const needsHost = selected.includes('e2e');
let dockerOk = true;
let hostOk = true;
if (needsDocker) {
  say('provisioning Docker Engine and the default kernel image');
  dockerOk = run('bash', ['scripts/provision/docker.sh']) === 0 && run('bash', ['scripts/provision/images.sh']) === 0;
}
if (needsHost) {
  say('provisioning the VS Code host');
  hostOk = run('bash', ['scripts/provision/vscode-host.sh']) === 0;
}

// 2. Build: the development bundle and out/ for the tiers; the .vsix for the e2e UI checks.
say('building');
const built = run(process.execPath, ['scripts/build.mjs']) === 0;
let packaged = true;
if (built && selected.includes('e2e')) {
  packaged = run(process.execPath, ['scripts/package.mjs']) === 0;
  // scripts/package.mjs leaves a production bundle in dist/; the extension tests load dist/ too, so rebuild dev.
  run(process.execPath, ['scripts/build.mjs']);
}

function mochaTier(tier, dirs, timeoutMs) {
  const file = join(RESULTS, `${tier}.json`);
  const start = Date.now();
  say(`${tier} tests`);
  run(process.execPath, ['scripts/lib/mochaRun.cjs', ...dirs], { BERTH_TEST_RESULTS: file, BERTH_TEST_TIMEOUT_MS: String(timeoutMs) });
  const r = readResults(file);
  if (!r) return cannotRun(tier, 'the test runner wrote no results');
  rows.push({ tier, passed: r.passed, failed: r.failed, note: elapsed(start) });
}

for (const tier of selected) {
  if (!built) {
    cannotRun(tier, 'the build failed');
    continue;
  }
  if (tier === 'unit') mochaTier('unit', ['out/test/unit'], 10000);
  if (tier === 'integration') {
    if (!dockerOk) cannotRun('integration', 'no Docker Engine or kernel image (see provisioning above)');
    else mochaTier('integration', ['out/test/integration'], 180000);
  }
  if (tier === 'e2e') {
    if (!dockerOk || !hostOk || !packaged) {
      cannotRun('e2e', !packaged ? 'packaging the .vsix failed' : 'provisioning failed (see above)');
      continue;
    }
    const file = join(RESULTS, 'e2e-host.json');
    const start = Date.now();
    say('e2e tests in the VS Code extension host');
    const code = run(process.execPath, ['scripts/lib/runExtensionTests.mjs'], { BERTH_TEST_RESULTS: file });
    const r = readResults(file);
    if (!r) cannotRun('e2e (extension host)', `the host reported no results (exit ${code})`);
    else rows.push({ tier: 'e2e (extension host)', passed: r.passed, failed: r.failed + (code !== 0 && r.failed === 0 ? 1 : 0), note: elapsed(start) });
    mochaTier('e2e (workbench UI)', ['out/test/e2e/ui'], 300000);
  }
}

const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log('\n| tier | passed | failed | |\n|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.tier} | ${r.passed} | ${r.failed} | ${r.note} |`);
console.log(`\ntotal ${elapsed(t0)}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || rows.length === 0 ? 1 : 0);
