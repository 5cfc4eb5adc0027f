// `npm run bench`: builds, provisions the Docker Engine and the kernel image, then runs every benchmark in
// bench/ (compiled to out/bench/*.js) one after another. Each prints its own markdown table, comparing Berth
// with the floor measured in the same run. Usage: node scripts/bench.mjs [name-filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const filter = process.argv[2] ?? '';
const run = (cmd, args) => spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;

if (run('bash', ['scripts/provision/docker.sh']) !== 0 || run('bash', ['scripts/provision/images.sh']) !== 0) process.exit(1);
if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);
const dir = join(ROOT, 'out/bench');
const benches = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') && f.includes(filter)).sort() : [];
if (benches.length === 0) {
  console.error(`no benchmarks matching "${filter}" in out/bench`);
  process.exit(1);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n## ${bench.replace(/\.js$/, '')}\n`);
  if (run(process.execPath, [join(dir, bench)]) !== 0) failed++;
}
process.exit(failed ? 1 : 0);
