// ImageProbesModel over a real ImagesModel fed by a scripted engine, with a scripted probe: pure scheduling logic.
import { strict as assert } from 'assert';
import { toDisposable, type Disposable } from '../../src/core/common/lifecycle';
import { nullLogger } from '../../src/core/common/logger';
import type { DockerEngine, EngineEvent, ImageInfo } from '../../src/core/docker/engine';
import { ImageProbesModel, type ProbeCache } from '../../src/core/images/imageProbes';
import { ImagesModel } from '../../src/core/images/imagesModel';
import type { ImageProbe } from '../../src/core/kernels/api';

class ListEngine implements DockerEngine {
  address = 'unix:///scripted.sock';
  constructor(public images: ImageInfo[]) {}
  async ping(): Promise<void> {}
  async listImages(): Promise<ImageInfo[]> {
    return this.images;
  }
  watchEvents(_onEvent: (e: EngineEvent) => void): Disposable {
    return toDisposable(() => {});
  }
}

class MapCache implements ProbeCache {
  readonly map = new Map<string, ImageProbe>();
  get(id: string) {
    return this.map.get(id);
  }
  async set(p: ImageProbe) {
    this.map.set(p.imageId, p);
  }
  async retain(ids: ReadonlySet<string>) {
    for (const id of this.map.keys()) if (!ids.has(id)) this.map.delete(id);
  }
}

const image = (id: string, tags: string[]): ImageInfo => ({ id, tags, digests: [], sizeBytes: 1, createdMs: 0, labels: {} });
const py = { name: 'python3', displayName: 'Python 3', language: 'python' };
const usable = (imageId: string, kernelspecs = [py]): ImageProbe => ({ imageId, serverCommand: ['jupyter-server'], kernelspecs });

function until(model: ImageProbesModel, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const sub = model.onDidChange(() => {
      if (done()) {
        sub.dispose();
        resolve();
      }
    });
  });
}

describe('ImageProbesModel', () => {
  const disposables: Disposable[] = [];
  afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

  async function setup(images: ImageInfo[], probe: (id: string) => Promise<ImageProbe>, cache = new MapCache()) {
    const engine = new ListEngine(images);
    const imagesModel = new ImagesModel(engine, nullLogger);
    const calls: string[] = [];
    const model = new ImageProbesModel(imagesModel, (id) => (calls.push(id), probe(id)), cache, nullLogger);
    disposables.push(model, imagesModel);
    await imagesModel.refresh();
    return { engine, imagesModel, model, calls, cache };
  }

  it('probes each image id once and lists one source per tag and kernelspec', async () => {
    const r = { name: 'ir', displayName: 'R', language: 'R' };
    const { model, calls } = await setup([image('sha256:a', ['a:1', 'a:latest']), image('sha256:b', ['b:1'])], async (id) => usable(id, id === 'sha256:a' ? [py, r] : [py]));
    await until(model, () => model.stateOf('sha256:a')?.kind === 'usable' && model.stateOf('sha256:b')?.kind === 'usable');
    assert.deepEqual(calls, ['sha256:a', 'sha256:b']);
    assert.deepEqual(model.sources.map((s) => `${s.reference}/${s.kernelspec.name}`), ['a:1/ir', 'a:1/python3', 'a:latest/ir', 'a:latest/python3', 'b:1/python3']);
  });

  it('is checking while the engine connects and until every tagged image has its probe result', async () => {
    const engine = new ListEngine([image('sha256:a', ['a:1']), image('sha256:b', ['b:1']), image('sha256:u', [])]);
    const imagesModel = new ImagesModel(engine, nullLogger);
    let finishB: (p: ImageProbe) => void = () => {};
    const model = new ImageProbesModel(imagesModel, (id) => (id === 'sha256:b' ? new Promise((resolve) => (finishB = resolve)) : Promise.resolve(usable(id))), new MapCache(), nullLogger);
    disposables.push(model, imagesModel);
    assert.equal(model.checking, true, 'connecting');
    await imagesModel.refresh();
    await until(model, () => model.stateOf('sha256:a')?.kind === 'usable' && model.stateOf('sha256:b')?.kind === 'probing');
    assert.equal(model.checking, true, 'b:1 is still being probed');
    finishB({ imageId: 'sha256:b', kernelspecs: [], unusableReason: 'no Jupyter' });
    await until(model, () => model.stateOf('sha256:b')?.kind !== 'probing');
    assert.equal(model.checking, false, 'an untagged image is not waited for');
  });

  it('uses the cached result without starting a probe container', async () => {
    const cache = new MapCache();
    await cache.set(usable('sha256:a'));
    const { model, calls } = await setup([image('sha256:a', ['a:1'])], async () => assert.fail('probed again'), cache);
    assert.equal(model.stateOf('sha256:a')?.kind, 'usable');
    assert.deepEqual(calls, []);
  });

  it('keeps images that cannot serve Jupyter out of the sources, with the reason', async () => {
    const { model } = await setup([image('sha256:x', ['x:1'])], async (id) => ({ imageId: id, kernelspecs: [], unusableReason: 'no jupyter-server, jupyter server, lab or notebook command' }));
    await until(model, () => model.stateOf('sha256:x')?.kind === 'unusable');
    assert.deepEqual(model.sources, []);
    const state = model.stateOf('sha256:x');
    assert.equal(state?.kind === 'unusable' && state.reason, 'no jupyter-server, jupyter server, lab or notebook command');
  });

  it('does not cache a probe that failed, and retries it when the image list changes', async () => {
    let fail = true;
    const { model, imagesModel, cache, calls } = await setup([image('sha256:a', ['a:1'])], async (id) => {
      if (fail) throw new Error('engine hiccup');
      return usable(id);
    });
    await until(model, () => model.stateOf('sha256:a')?.kind === 'failed');
    assert.equal(cache.get('sha256:a'), undefined);
    fail = false;
    await imagesModel.refresh();
    await until(model, () => model.stateOf('sha256:a')?.kind === 'usable');
    assert.equal(calls.length, 2);
  });

  it('skips untagged images in the sources and forgets removed images', async () => {
    const { model, engine, imagesModel, cache } = await setup([image('sha256:a', ['a:1']), image('sha256:u', [])], async (id) => usable(id));
    await until(model, () => model.stateOf('sha256:u')?.kind === 'usable');
    assert.deepEqual(model.sources.map((s) => s.reference), ['a:1']);
    engine.images = [image('sha256:u', [])];
    await imagesModel.refresh();
    assert.equal(model.stateOf('sha256:a'), undefined);
    assert.deepEqual([...cache.map.keys()], ['sha256:u']);
  });
});
