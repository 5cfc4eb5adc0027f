// The R kernel of berth/r:latest: the probe finds IRkernel's `ir` kernelspec, and an R notebook run by Berth
// (`berth run`, the same core as the VS Code controller) has exactly the outputs nbconvert gives in the same image.
import { strict as assert } from 'assert';
import { copyFileSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { nullLogger } from '../../../src/core/common/logger';
import { docker } from '../kernels/helpers';
import { normaliseNotebook, R_IMAGE, ROOT, runCli, runInImage } from './helpers';

type Json = Record<string, unknown>;
const FIXTURE = join(ROOT, 'test/fixtures/workspace/notebooks/r-outputs.ipynb');

describe('R kernel (berth/r:latest, real Docker and Jupyter)', function () {
  this.timeout(300_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-r-'));
  });
  afterEach(async () => {
    const ours = await docker.listContainers({ all: true, filters: { label: ['berth.owner.kind=cli'] } });
    for (const c of ours.filter((c) => (c.Labels['berth.notebook'] ?? '').startsWith(`file://${dir}`))) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is probed as a Jupyter image with the ir kernelspec', async () => {
    const probe = await new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger).probe(R_IMAGE);
    assert.deepEqual(probe.serverCommand, ['jupyter-server']);
    assert.deepEqual(probe.kernelspecs, [{ name: 'ir', displayName: 'R', language: 'R' }]);
  });

  it('runs an R notebook to the same outputs as jupyter nbconvert --execute in the same image', async () => {
    copyFileSync(FIXTURE, join(dir, 'r-outputs.ipynb'));
    const ours = await runCli('run', join(dir, 'r-outputs.ipynb'), '--image', R_IMAGE, '--out', join(dir, 'berth.ipynb'), '--allow-errors');
    assert.equal(ours.code, 0, ours.stderr);
    // The reference: nbconvert inside the same image, the folder mounted where Berth mounts it.
    await runInImage(R_IMAGE, dir, ['python3', '-m', 'nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--output', 'nbconvert.ipynb', 'r-outputs.ipynb']);
    const reference = JSON.parse(readFileSync(join(dir, 'nbconvert.ipynb'), 'utf8')) as Json;
    const berth = JSON.parse(readFileSync(join(dir, 'berth.ipynb'), 'utf8')) as Json;
    assert.deepEqual(normaliseNotebook(berth), normaliseNotebook(reference));
    // Not just equal to each other: the run covered text, a data frame as HTML and text, a PNG plot, an error
    // (IRkernel sends every value as display_data, never execute_result).
    const outputs = (berth.cells as Json[]).flatMap((c) => (c.outputs as Json[] | undefined) ?? []);
    const kinds = new Set(outputs.flatMap((o) => [String(o.output_type), ...Object.keys((o.data as Json) ?? {})]));
    for (const k of ['stream', 'display_data', 'error', 'text/plain', 'text/html', 'text/markdown', 'text/latex', 'image/png']) {
      assert.ok(kinds.has(k), `no ${k} in the run`);
    }
    const frame = outputs.find((o) => (o.data as Json | undefined)?.['text/html'] !== undefined) as { data: Record<string, string[] | string> };
    const html = ([] as string[]).concat(frame.data['text/html']).join('');
    assert.match(html, /<table class="dataframe">/);
    assert.match(([] as string[]).concat(frame.data['text/plain']).join(''), /run container kernel/);
    assert.match(readFileSync(join(dir, 'berth.ipynb'), 'utf8'), /hello from R 4/);
  });
});
