// Knit in the real R image: `berth knit` as a user runs it (the bundled CLI), and the core's knitDocument with the
// docker JobRunner for Cancel. Every test removes the job containers of its own folder, even when it fails.
import { strict as assert } from 'assert';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerJobRunner } from '../../../src/adapters/docker/dockerJobRunner';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { CancelledError } from '../../../src/core/common/errors';
import { nullLogger } from '../../../src/core/common/logger';
import { knitDocument } from '../../../src/core/docs/knit';
import { waitFor, withDeadline } from '../kernels/helpers';
import { DOCS_IMAGE, fixtureFolder, jobContainers, R_IMAGE, removeJobContainers, runCli, runInImage, startCli } from './helpers';

const FAILING = ['---', 'title: Failing', 'output: html_document', '---', '', 'Some text.', '', '```{r setup}', 'x <- 1', '```', '', '```{r boom}', 'y <- x + 1', 'stop("the data file is missing")', '```', '', 'After.', ''].join('\n');
const SLOW = ['---', 'title: Slow', '---', '', '```{r wait}', 'Sys.sleep(300)', '```', ''].join('\n');

describe('Knit (berth knit, the real R image)', function () {
  this.timeout(300_000);
  let dir: string;

  beforeEach(() => {
    dir = fixtureFolder('knit');
  });
  afterEach(async () => {
    await removeJobContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('knits the fixture to HTML with the chunk results and the plot, beside the document, leaving nothing else', async () => {
    const r = await runCli('knit', join(dir, 'research/report.Rmd'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const html = readFileSync(join(dir, 'research/report.html'), 'utf8');
    assert.match(html, /<h1 class="title toc-ignore">Kernel start-up report<\/h1>/);
    assert.match(html, /Min\. 1st Qu\.\s+Median\s+Mean 3rd Qu\.\s+Max\./, 'the summary() chunk result');
    assert.match(html, /<caption>Start-up times \(s\)<\/caption>/, 'the kable() table');
    assert.match(html, /The median container start took 1\.97 seconds\./, 'the inline R result');
    assert.match(html, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]{1000,}"/, 'the plot, embedded');
    assert.deepEqual(readdirSync(join(dir, 'research')).sort(), ['author-date.csl', 'paper.md', 'refs.bib', 'report.Rmd', 'report.html']);
    assert.deepEqual(await jobContainers(dir), []);
  });

  it('knits every format of the front matter, or the one --out names, wherever --out points', async () => {
    const source = readFileSync(join(dir, 'research/report.Rmd'), 'utf8').replace('output: html_document', 'output:\n  html_document: default\n  word_document: default\n  pdf_document: default');
    writeFileSync(join(dir, 'research/report.Rmd'), source);
    const out = join(dir, 'elsewhere');
    mkdirSync(out);
    const pdf = await runCli('knit', join(dir, 'research/report.Rmd'), '--out', join(out, 'final.pdf'));
    assert.equal(pdf.code, 0, pdf.stderr);
    assert.deepEqual(readdirSync(out), ['final.pdf']);
    const text = await runInImage(DOCS_IMAGE, out, ['pdftotext', 'final.pdf', '-']);
    assert.match(text, /Kernel start-up report/);
    assert.match(text, /The median container start took 1\.97 seconds\./);

    const all = await runCli('knit', join(dir, 'research/report.Rmd'));
    assert.equal(all.code, 0, all.stderr);
    for (const f of ['report.html', 'report.docx', 'report.pdf']) assert.ok(existsSync(join(dir, 'research', f)), `${f} was not written`);
    assert.deepEqual(await jobContainers(dir), []);
  });

  it('exits 1 when a chunk fails, naming the chunk, its line and R\'s message', async () => {
    writeFileSync(join(dir, 'research/failing.Rmd'), FAILING);
    const r = await runCli('knit', join(dir, 'research/failing.Rmd'));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'berth: Knitting failing.Rmd failed in chunk "boom" (line 12): the data file is missing\n');
    assert.ok(!existsSync(join(dir, 'research/failing.html')));
    assert.deepEqual(readdirSync(join(dir, 'research')).filter((f) => f.startsWith('failing')), ['failing.Rmd'], 'knitr left files behind');
    assert.deepEqual(await jobContainers(dir), []);
  });

  it('exits 2 with one line for a document or an image that does not exist', async () => {
    const missing = await runCli('knit', join(dir, 'research/nope.Rmd'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^berth: \S*nope\.Rmd does not exist\n$/);
    const image = await runCli('knit', join(dir, 'research/report.Rmd'), '--image', 'berth-test/nope:none');
    assert.equal(image.code, 2);
    assert.equal(image.stderr, 'berth: Image berth-test/nope:none not found locally: build or pull it\n');
  });

  it('Cancel while a chunk runs removes the container and leaves no output', async () => {
    writeFileSync(join(dir, 'research/slow.Rmd'), SLOW);
    const runner = new DockerJobRunner(new DockerodeEngine(undefined), nullLogger);
    const abort = new AbortController();
    const owner = { kind: 'test', id: `berth-it-knit-${process.pid}`, pid: process.pid };
    let running = false;
    const knit = knitDocument(runner, { documentPath: join(dir, 'research/slow.Rmd'), image: R_IMAGE, owner }, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.kind === 'chunk' && p.label === 'wait') running = true;
      },
    });
    await waitFor(() => (running ? true : undefined), 120_000, () => 'the slow chunk never started');
    assert.equal((await jobContainers(dir)).length, 1, 'no job container while the chunk runs');
    abort.abort();
    await assert.rejects(withDeadline(knit, 30_000, 'knitDocument did not end after the abort'), (e: unknown) => e instanceof CancelledError);
    await waitFor(async () => ((await jobContainers(dir)).length === 0 ? true : undefined), 10_000, () => 'the job container is still there');
    assert.deepEqual(readdirSync(join(dir, 'research')).filter((f) => f.startsWith('slow') || f.includes('.berth-')), ['slow.Rmd']);
  });

  it('SIGTERM while knitting removes the container and exits 143', async () => {
    writeFileSync(join(dir, 'research/slow.Rmd'), SLOW);
    const cli = startCli(['knit', join(dir, 'research/slow.Rmd'), '--verbose']);
    await waitFor(() => (/chunk 1\/1: wait/.test(cli.stderr()) ? true : undefined), 120_000, () => `never ran the chunk: ${cli.stderr()}`);
    cli.child.kill('SIGTERM');
    const r = await withDeadline(cli.done, 30_000, 'the CLI did not exit after SIGTERM');
    assert.equal(r.code, 143, r.stderr);
    assert.deepEqual(await jobContainers(dir), []);
  });
});
