// `npm run bench`: builds, provisions the Docker Engine and the kernel image, then runs every benchmark in bench/
// (compiled to out/bench/*.js) one after another. Each measures Berth next to its floor in the same run,
// interleaved, prints its tables, and appends its rows as JSON lines to the file named by BERTH_BENCH_RESULTS;
// this script stamps each benchmark's rows with the date, the cores and the load average at its start and end,
// and writes them into bench/RESULTS.md, replacing only the rows of the benchmarks that ran.
// --quick: two repetitions and smaller inputs, only to check that the benchmarks run and report their rows; it
// writes bench/RESULTS.quick.md (not committed, marked as a quick run) and leaves bench/RESULTS.md alone.
// Usage: node scripts/bench.mjs [--quick] [name-filter]   (npm run bench -- kernel)
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const quick = process.argv.includes('--quick');
const RESULTS_MD = join(ROOT, quick ? 'bench/RESULTS.quick.md' : 'bench/RESULTS.md');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '';
const run = (cmd, args) => spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;

if (run('bash', ['scripts/provision/docker.sh']) !== 0 || run('bash', ['scripts/provision/images.sh']) !== 0) process.exit(1);
if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);
const { formatRow, mergeResults } = createRequire(import.meta.url)(join(ROOT, 'out/bench/lib/resultsFile.js'));
const dir = join(ROOT, 'out/bench');
const benches = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') && f.includes(filter)).sort() : [];
if (benches.length === 0) {
  console.error(`no benchmarks matching "${filter}" in out/bench`);
  process.exit(1);
}

const QUICK_NOTE = `**A quick run (\`npm run bench -- --quick\`), not results**: two repetitions each and smaller inputs (the docs
preview only at 100 KB), only to check that the benchmarks run and report their rows. The real results are in
bench/RESULTS.md, from a full \`npm run bench\`.

`;
const PREAMBLE = `# Benchmark results${quick ? ' — QUICK RUN, NOT RESULTS' : ''}

${quick ? QUICK_NOTE : ''}Written by \`npm run bench\` (scripts/bench.mjs); \`npm run bench -- NAME\` rewrites only the rows of the benchmarks
whose file name contains NAME. Each row: what was measured, Berth's median next to the median of its floor (the
same work done without Berth) measured in the same run, the ratio Berth / floor, min–max, and the number of
samples. Berth and floor run interleaved in A B B A order (bench/lib/interleave.ts), so load on the shared machine
hits both alike and neither always runs first. A stage of a measurement that has no floor of the same stage is shown
without a ratio. "not run" rows say why a prerequisite was missing; no number is made up for them.
The run column: when the benchmark started, the machine's cores, and its one-minute load average at the
benchmark's start and end (the machine is shared: read medians, not minima).

Machine of the last run: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}.`;

/** Runs one benchmark; its stdout and stderr pass through, the last stderr lines are kept for a failure row. */
function runBench(file, resultsFile) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(dir, file)], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, BERTH_BENCH_RESULTS: resultsFile, BERTH_BENCH_QUICK: quick ? '1' : '0' } });
    let tail = '';
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => done({ code: code ?? 1, signal, tail }));
  });
}

// Outside out/: a build during the run (another terminal's `npm test`) must not delete the rows.
const outDir = mkdtempSync(join(tmpdir(), 'berth-bench-results-'));
const fresh = new Map();
let failed = 0;
for (const file of benches) {
  const bench = file.replace(/\.js$/, '');
  console.log(`\n## ${bench}\n`);
  const resultsFile = join(outDir, `${bench}.jsonl`);
  const info = { date: new Date().toISOString(), cores: cpus().length, loadStart: loadavg()[0] };
  const { code, signal, tail } = await runBench(file, resultsFile);
  Object.assign(info, { loadEnd: loadavg()[0] });
  const rows = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const lines = rows.map((row) => formatRow(bench, row, info));
  if (code !== 0) {
    failed++;
    const tailLines = tail.trim().split('\n').filter(Boolean);
    const why = (tailLines.findLast((l) => l.includes('bench failed:')) ?? tailLines.at(-1) ?? `exited ${signal ?? code}`).replace(/^.*bench failed:\s*/, '');
    lines.push(formatRow(bench, { measured: 'the rest of this benchmark', notRun: `the benchmark failed: ${why.slice(0, 300)}` }, info));
  }
  fresh.set(bench, lines);
  // After each benchmark, so that a run stopped half-way keeps the rows it measured.
  writeFileSync(RESULTS_MD, mergeResults(existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : '', PREAMBLE, new Map([[bench, lines]])));
}
rmSync(outDir, { recursive: true, force: true });
console.log(`\nwrote ${RESULTS_MD} (${[...fresh.values()].flat().length} rows from ${fresh.size} benchmark${fresh.size === 1 ? '' : 's'})`);
process.exit(failed ? 1 : 0);
