// Knit and Export of the fixtures (test/fixtures/workspace/research) through `berth knit` / `berth export`, each
// next to its floor measured in the same run: the same R or pandoc command typed by hand, `docker run --rm` of the
// same image with the same folder mounted. Runs are interleaved in A B B A order (bench/lib/interleave.ts) so that
// both see the same machine load and neither always runs first.
// Also prints the size of each image. Usage: node out/bench/docsBuild.js [runs=5]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { interleave } from './lib/interleave';
import { compare, notRun, report, type ResultRow } from './lib/results';
import { median } from './lib/stats';
import { repetitions } from './lib/quick';

const ROOT = path.resolve(__dirname, '../..');
const RUNS = repetitions(Number(process.argv[2] ?? 5));
const R_IMAGE = process.env.BERTH_R_IMAGE ?? 'berth/r:latest';
const DOCS_IMAGE = process.env.BERTH_DOCS_IMAGE ?? 'berth/docs:latest';
const DOCKER = process.env.BERTH_DOCKER ?? 'docker';

function timed(cmd: string, args: readonly string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const berth = (dir: string, ...args: string[]) => () => timed(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], dir);
/** `docker run --rm` as a user types it: the folder at /workspace, the document's folder as the working directory. */
const byHand = (dir: string, image: string, ...cmd: string[]) => () =>
  timed(DOCKER, ['run', '--rm', '--init', '-v', `${dir}:/workspace`, '-w', '/workspace/research', '-e', 'HOME=/tmp', image, ...cmd], dir);

const pandoc = (format: string, out: string) => ['pandoc', 'paper.md', '--standalone', '--output', out, ...(format === 'html' ? ['--to=html5', '--self-contained', '--mathml'] : format === 'pdf' ? ['--pdf-engine=xelatex'] : ['--to=docx']), '--citeproc', '--toc'];

interface Case {
  readonly name: string;
  readonly berth: () => number;
  readonly floor: () => number;
}

const imageMissing = (image: string) => spawnSync(DOCKER, ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0;

async function main(): Promise<void> {
  const missing = [R_IMAGE, DOCS_IMAGE].filter(imageMissing);
  if (missing.length) {
    report('Knit and Export of the fixtures', [notRun('knit and export of the fixtures', `no image ${missing.join(', ')} (scripts/provision/images.sh)`)]);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-bench-docs-'));
  try {
    cpSync(path.join(ROOT, 'test/fixtures/workspace/research'), path.join(dir, 'research'), { recursive: true });
    cpSync(path.join(ROOT, 'test/fixtures/workspace/images'), path.join(dir, 'images'), { recursive: true });
    const cases: Case[] = [
      { name: 'knit report.Rmd → HTML', berth: berth(dir, 'knit', 'research/report.Rmd'), floor: byHand(dir, R_IMAGE, 'Rscript', '-e', 'rmarkdown::render("report.Rmd")') },
      { name: 'knit report.Rmd → PDF', berth: berth(dir, 'knit', 'research/report.Rmd', '--out', 'research/report.pdf'), floor: byHand(dir, R_IMAGE, 'Rscript', '-e', 'rmarkdown::render("report.Rmd", "pdf_document")') },
      ...['html', 'pdf', 'docx'].map((f) => ({
        name: `export paper.md → ${f.toUpperCase()}`,
        berth: berth(dir, 'export', 'research/paper.md', '--to', f),
        floor: byHand(dir, DOCS_IMAGE, ...pandoc(f, `paper.${f}`)),
      })),
    ];
    const rows: ResultRow[] = [];
    for (const c of cases) {
      // One warm-up each: the first container of an image after a build pays for the page cache.
      c.berth();
      c.floor();
      const samples = await interleave(
        [
          { name: 'floor', run: c.floor },
          { name: 'berth', run: c.berth },
        ],
        RUNS,
      );
      rows.push(compare(c.name, { name: `berth ${c.name.split(' ')[0]}`, samplesMs: samples.get('berth')! }, { name: 'docker run --rm of the same command by hand', samplesMs: samples.get('floor')! }));
    }
    report(`Knit and Export of the fixtures (${RUNS} runs each, wall time, \`docker run --rm\` of the same command as the floor)`, rows);
    console.log('\n| image | size |\n|---|---:|');
    for (const image of [DOCS_IMAGE, R_IMAGE]) {
      const size = spawnSync(DOCKER, ['image', 'inspect', '-f', '{{.Size}}', image], { encoding: 'utf8' }).stdout.trim();
      console.log(`| ${image} | ${(Number(size) / 1e6).toFixed(0)} MB |`);
    }
    console.log(`\nmedian overhead of berth over by hand: ${rows.map((r) => `${r.measured} ${(median(r.berth!.samplesMs) - median(r.floor!.samplesMs)).toFixed(0)} ms`).join('; ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
