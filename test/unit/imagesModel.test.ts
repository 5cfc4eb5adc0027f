// ImagesModel against a scripted engine: the model's state machine is pure logic, so a fake is allowed here.
import { strict as assert } from 'assert';
import { EngineUnreachableError } from '../../src/core/common/errors';
import { toDisposable, type Disposable } from '../../src/core/common/lifecycle';
import { nullLogger } from '../../src/core/common/logger';
import type { DockerEngine, EngineEvent, ImageInfo } from '../../src/core/docker/engine';
import { changesImageList, ImagesModel, type ImagesState } from '../../src/core/images/imagesModel';

class ScriptedEngine implements DockerEngine {
  address = 'unix:///scripted.sock';
  up = true;
  images: ImageInfo[] = [];
  listCalls = 0;
  private listener: ((e: EngineEvent) => void) | undefined;
  private end: ((e: Error) => void) | undefined;

  async ping(): Promise<void> {
    if (!this.up) throw new EngineUnreachableError(this.address, 'connect ENOENT');
  }
  async listImages(): Promise<ImageInfo[]> {
    this.listCalls++;
    if (!this.up) throw new EngineUnreachableError(this.address, 'connect ENOENT');
    return this.images;
  }
  watchEvents(onEvent: (e: EngineEvent) => void, onEnd: (e: Error) => void): Disposable {
    this.listener = onEvent;
    this.end = onEnd;
    return toDisposable(() => (this.listener = this.end = undefined));
  }
  emit(type: string, action: string): void {
    this.listener?.({ type, action, id: 'x', attributes: {}, timeMs: 0 });
  }
  crash(): void {
    this.up = false;
    this.end?.(new Error('the engine closed the event stream'));
  }
  get watching(): boolean {
    return this.listener !== undefined;
  }
}

const img = (tag: string): ImageInfo => ({ id: `sha256:${tag}`, tags: [tag], digests: [], sizeBytes: 1, createdMs: 0, labels: {} });

function tagsOf(state: ImagesState): string[] | undefined {
  return state.kind === 'ready' ? state.images.map((i) => i.tags[0]) : undefined;
}

function nextState(model: ImagesModel, kind: ImagesState['kind']): Promise<ImagesState> {
  return new Promise((resolve) => {
    const sub = model.onDidChange((s) => {
      if (s.kind === kind) {
        sub.dispose();
        resolve(s);
      }
    });
  });
}

describe('ImagesModel', () => {
  let model: ImagesModel | undefined;
  afterEach(() => model?.dispose());

  it('starts connecting, then lists the images and watches events', async () => {
    const engine = new ScriptedEngine();
    engine.images = [img('a:1')];
    model = new ImagesModel(engine, nullLogger, { debounceMs: 1 });
    assert.equal(model.state.kind, 'connecting');
    await model.refresh();
    assert.deepEqual(tagsOf(model.state), ['a:1']);
    assert.ok(engine.watching);
  });

  it('refreshes once per burst of image events and ignores unrelated events', async () => {
    const engine = new ScriptedEngine();
    model = new ImagesModel(engine, nullLogger, { debounceMs: 20 });
    await model.refresh();
    const before = engine.listCalls;
    engine.images = [img('b:1')];
    const ready = nextState(model, 'ready');
    engine.emit('container', 'start');
    engine.emit('image', 'tag');
    engine.emit('image', 'untag');
    engine.emit('image', 'delete');
    const state = await ready;
    assert.equal(engine.listCalls - before, 1);
    assert.deepEqual(state.kind === 'ready' && state.images.map((i) => i.tags[0]), ['b:1']);
  });

  it('reports the engine unreachable with its reason instead of throwing', async () => {
    const engine = new ScriptedEngine();
    engine.up = false;
    model = new ImagesModel(engine, nullLogger, { reconnectMinMs: 60_000 });
    await model.refresh();
    assert.deepEqual(model.state, { kind: 'unreachable', address: 'unix:///scripted.sock', reason: 'connect ENOENT' });
  });

  it('marks the engine unreachable when the event stream ends, and a retry brings the images back', async () => {
    const engine = new ScriptedEngine();
    engine.images = [img('a:1')];
    model = new ImagesModel(engine, nullLogger, { reconnectMinMs: 60_000 });
    await model.refresh();
    engine.crash();
    assert.equal(model.state.kind, 'unreachable');
    engine.up = true;
    await model.refresh();
    assert.equal(model.state.kind, 'ready');
    assert.ok(engine.watching, 'the retry must watch events again');
  });

  it('reconnects by itself with backoff after the engine went away', async () => {
    const engine = new ScriptedEngine();
    engine.up = false;
    model = new ImagesModel(engine, nullLogger, { reconnectMinMs: 10, reconnectMaxMs: 20 });
    await model.refresh();
    const ready = nextState(model, 'ready');
    engine.up = true;
    await ready;
  });

  it('switches engines when the host setting changes', async () => {
    const a = new ScriptedEngine();
    a.images = [img('a:1')];
    const b = new ScriptedEngine();
    b.address = 'unix:///other.sock';
    b.images = [img('b:1')];
    model = new ImagesModel(a, nullLogger);
    await model.refresh();
    await model.setEngine(b);
    assert.equal(model.state.address, 'unix:///other.sock');
    assert.ok(!a.watching, 'the old engine must no longer be watched');
    assert.deepEqual(model.state.kind === 'ready' && model.state.images.map((i) => i.tags[0]), ['b:1']);
  });

  it('knows which engine events change the image list', () => {
    const e = (type: string, action: string) => ({ type, action, id: '', attributes: {}, timeMs: 0 });
    assert.ok(changesImageList(e('image', 'tag')));
    assert.ok(changesImageList(e('image', 'delete')));
    assert.ok(!changesImageList(e('container', 'delete')));
    assert.ok(!changesImageList(e('image', 'inspect')));
  });
});
