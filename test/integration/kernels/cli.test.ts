// `berth run` as a user runs it: the bundled dist/cli.js in a child process against the real engine. Its
// written outputs must equal those of `jupyter nbconvert --execute` run in the same image.
import { strict as assert } from 'assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliContainers, type Json, nbconvertInImage, normalise, ROOT, runCli, startCli } from './cliHelpers';
import { docker, KERNEL_IMAGE, PLAIN_IMAGE, waitFor, withDeadline } from './helpers';

const FIXTURE = join(ROOT, 'test/fixtures/notebooks/all-outputs.ipynb');

describe('berth run (the CLI, real Docker and Jupyter)', function () {
  this.timeout(180_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-cli-'));
  });
  afterEach(async () => {
    for (const c of await cliContainers(dir)) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same outputs as jupyter nbconvert --execute in the same image', async () => {
    copyFileSync(FIXTURE, join(dir, 'all-outputs.ipynb'));
    const ours = await runCli('run', join(dir, 'all-outputs.ipynb'), '--image', KERNEL_IMAGE, '--out', join(dir, 'berth.ipynb'), '--allow-errors');
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, '');
    // The reference: nbconvert inside the same image, the folder mounted where Berth mounts it.
    await nbconvertInImage(dir, 'all-outputs.ipynb', 'nbconvert.ipynb', ['--allow-errors']);
    const reference = JSON.parse(readFileSync(join(dir, 'nbconvert.ipynb'), 'utf8')) as Json;
    const berth = JSON.parse(readFileSync(join(dir, 'berth.ipynb'), 'utf8')) as Json;
    assert.deepEqual(normalise(berth), normalise(reference));
    // Not just equal to each other: the run covered every output kind.
    const kinds = new Set((berth.cells as Json[]).flatMap((c) => ((c.outputs as Json[]) ?? []).flatMap((o) => [String(o.output_type), ...Object.keys((o.data as Json) ?? {})])));
    for (const k of ['stream', 'execute_result', 'display_data', 'error', 'text/html', 'text/markdown', 'text/latex', 'image/png', 'image/jpeg', 'image/svg+xml', 'application/json']) {
      assert.ok(kinds.has(k), `no ${k} in the run`);
    }
    assert.deepEqual(await cliContainers(dir), []);
  });

  it('keeps the notebook metadata and writes nbformat the way nbformat does', async () => {
    copyFileSync(FIXTURE, join(dir, 'n.ipynb'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', KERNEL_IMAGE, '--allow-errors');
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(dir, 'n.ipynb'), 'utf8');
    const nb = JSON.parse(text) as Json;
    assert.deepEqual((nb.metadata as Json).berth_fixture, { keep: 'this' });
    assert.deepEqual(((nb.cells as Json[])[1].metadata as Json).tags, ['fixture']);
    assert.ok(text.startsWith('{\n "cells": [\n  {\n'), 'not written with one-space indent and sorted keys');
    assert.deepEqual(
      (nb.cells as Json[]).filter((c) => c.cell_type === 'code').map((c) => c.execution_count),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it('exits 1 on a cell error with a one-line reason, writing the outputs so far', async () => {
    copyFileSync(FIXTURE, join(dir, 'n.ipynb'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', KERNEL_IMAGE, '--out', join(dir, 'out.ipynb'));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `berth: cell 10 raised ZeroDivisionError: division by zero (outputs written to ${join(dir, 'out.ipynb')})\n`);
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')) as Json;
    assert.equal(((out.cells as Json[])[9].outputs as Json[])[0].ename, 'ZeroDivisionError');
    assert.deepEqual(await cliContainers(dir), []);
  });

  it('exits 1 when a cell runs past --timeout', async () => {
    writeFileSync(join(dir, 'slow.ipynb'), notebook('import time\ntime.sleep(60)'));
    const r = await runCli('run', join(dir, 'slow.ipynb'), '--image', KERNEL_IMAGE, '--timeout', '1');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: cell 1 did not finish within 1 s/);
    assert.deepEqual(await cliContainers(dir), []);
  });

  const usageCases: [string, (d: string) => string[], RegExp][] = [
    ['a notebook that is not valid JSON', (d) => (writeFileSync(join(d, 'bad.ipynb'), '{"cells": ['), ['run', join(d, 'bad.ipynb'), '--image', KERNEL_IMAGE]), /bad\.ipynb is not a notebook: not valid JSON/],
    ['a notebook that does not exist', (d) => ['run', join(d, 'missing.ipynb'), '--image', KERNEL_IMAGE], /missing\.ipynb does not exist/],
    ['an image that does not exist', (d) => (writeFileSync(join(d, 'n.ipynb'), notebook('1')), ['run', join(d, 'n.ipynb'), '--image', 'berth-test/nope:none']), /Image berth-test\/nope:none not found locally: build or pull it/],
    ['an image without Jupyter', (d) => (writeFileSync(join(d, 'n.ipynb'), notebook('1')), ['run', join(d, 'n.ipynb'), '--image', PLAIN_IMAGE]), /has no Jupyter server: install jupyter-server/],
    ['a missing --image', (d) => ['run', join(d, 'n.ipynb')], /--image is required \(usage: berth run/],
    ['an unknown option', (d) => ['run', join(d, 'n.ipynb'), '--image', KERNEL_IMAGE, '--frobnicate'], /unknown option --frobnicate/],
    ['a kernel the image does not have', (d) => (writeFileSync(join(d, 'n.ipynb'), notebook('1')), ['run', join(d, 'n.ipynb'), '--image', KERNEL_IMAGE, '--kernel', 'ir']), /has no kernel "ir"/],
  ];
  for (const [what, args, message] of usageCases) {
    it(`exits 2 with one line on stderr for ${what}, and leaves the file and no container`, async () => {
      const argv = args(dir);
      const before = safeRead(argv[1]);
      const r = await runCli(...argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `more than one line: ${r.stderr}`);
      assert.ok(r.stderr.startsWith('berth: ') && !r.stderr.includes('    at '), 'a stack trace leaked');
      assert.equal(safeRead(argv[1]), before, 'the notebook was changed');
      assert.deepEqual(await cliContainers(dir), []);
    });
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} while a cell runs removes the container and exits ${code}`, async () => {
      writeFileSync(join(dir, 'long.ipynb'), notebook('import time\ntime.sleep(120)'));
      const cli = startCli(['run', join(dir, 'long.ipynb'), '--image', KERNEL_IMAGE, '--verbose']);
      await waitFor(() => (/running cell 1\/1/.test(cli.stderr()) ? true : undefined), 60_000, () => `never ran the cell: ${cli.stderr()}`);
      assert.equal((await cliContainers(dir)).length, 1, 'no kernel container while the cell runs');
      cli.child.kill(signal);
      const r = await withDeadline(cli.done, 30_000, `the CLI did not exit after ${signal}`);
      assert.equal(r.code, code, r.stderr);
      assert.deepEqual(await cliContainers(dir), []);
    });
  }

  it('SIGINT while a cell ignores KeyboardInterrupt still removes the container and exits 130', async () => {
    // The interrupt is refused here, as it is lost when it overtakes the execute request: the CLI must not wait on it.
    const stubborn = 'import time\nwhile True:\n    try:\n        print("sleeping", flush=True)\n        time.sleep(120)\n    except KeyboardInterrupt:\n        pass';
    writeFileSync(join(dir, 'stubborn.ipynb'), notebook(stubborn));
    const cli = startCli(['run', join(dir, 'stubborn.ipynb'), '--image', KERNEL_IMAGE, '--verbose']);
    await waitFor(() => (/running cell 1\/1/.test(cli.stderr()) ? true : undefined), 60_000, () => `never ran the cell: ${cli.stderr()}`);
    cli.child.kill('SIGINT');
    const r = await withDeadline(cli.done, 30_000, 'the CLI did not exit after SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(await cliContainers(dir), []);
  });

  it('SIGINT while Jupyter starts removes the container being started', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const cli = startCli(['run', join(dir, 'n.ipynb'), '--image', KERNEL_IMAGE, '--verbose']);
    await waitFor(() => (/Waiting for Jupyter/.test(cli.stderr()) ? true : undefined), 60_000, () => `never started: ${cli.stderr()}`);
    cli.child.kill('SIGINT');
    const r = await withDeadline(cli.done, 30_000, 'the CLI did not exit after SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(await cliContainers(dir), []);
  });
});

function notebook(code: string): string {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'c', source: code, metadata: {}, outputs: [], execution_count: null }] });
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
