import { strict as assert } from 'assert';
import type { RunningServer, ServerLauncher } from '../../../src/core/kernels/api';
import { KernelsModel } from '../../../src/core/kernels/kernelsModel';

interface FakeLauncher extends ServerLauncher {
  lists: number;
  servers: string[];
  failWith?: string;
  /** The open watch's callbacks (undefined when closed). */
  watch?: { onChange: () => void; onError: (e: Error) => void };
  watchesOpened: number;
  /** Resolves the next listRunning() only when called (for out-of-order results). */
  hold?: Array<() => void>;
}

function fakeLauncher(servers: string[], watchable = true): FakeLauncher {
  const l: FakeLauncher = {
    lists: 0,
    servers,
    watchesOpened: 0,
    probe: () => Promise.reject(new Error('unused')),
    start: () => Promise.reject(new Error('unused')),
    listRunning: async () => {
      l.lists++;
      const snapshot = [...l.servers];
      const fail = l.failWith;
      if (l.hold) await new Promise<void>((resolve) => l.hold!.push(resolve));
      if (fail) throw new Error(fail);
      return snapshot.map((id) => ({ resourceId: id, running: true }) as RunningServer);
    },
  };
  if (watchable) {
    l.watchRunning = (onChange, onError) => {
      l.watchesOpened++;
      const mine = { onChange, onError };
      l.watch = mine;
      return { dispose: () => l.watch === mine && (l.watch = undefined) };
    };
  }
  return l;
}

const logs: string[] = [];
const log = { trace() {}, debug() {}, info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`), error() {} };

/** Resolves once the model fired a change for `kind` (the debounced listing after a watch event). */
function nextChange(model: KernelsModel, kind: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = model.onDidChange((c) => {
      if (c.kind === kind) {
        sub.dispose();
        resolve();
      }
    });
  });
}

const ids = (model: KernelsModel) => model.servers.map((s) => s.resourceId);

describe('KernelsModel: Berth kernel servers of every kind, kept current by the launchers\' watches', () => {
  let model: KernelsModel | undefined;
  beforeEach(() => (logs.length = 0));
  afterEach(() => model?.dispose());

  it('lists every kind once at start and opens each watch', async () => {
    const docker = fakeLauncher(['c1']);
    const pods = fakeLauncher(['ns/p1']);
    model = new KernelsModel({ docker, kubernetes: pods }, log, { debounceMs: 5 });
    await model.start();
    assert.deepEqual(ids(model), ['c1', 'ns/p1']);
    assert.equal(docker.lists, 1);
    assert.equal(pods.lists, 1);
    assert.ok(docker.watch && pods.watch);
  });

  it('a burst of events on one kind lists that kind once, and not the other', async () => {
    const docker = fakeLauncher(['c1']);
    const pods = fakeLauncher(['ns/p1']);
    model = new KernelsModel({ docker, kubernetes: pods }, log, { debounceMs: 5 });
    await model.start();
    pods.servers = ['ns/p1', 'ns/p2'];
    const changed = nextChange(model, 'kubernetes');
    for (let i = 0; i < 10; i++) pods.watch!.onChange();
    await changed;
    assert.equal(pods.lists, 2, 'ten events, one more listing');
    assert.equal(docker.lists, 1, 'Docker is not listed again for pod events');
    assert.deepEqual(ids(model), ['c1', 'ns/p1', 'ns/p2']);
  });

  it('an unreachable kind is empty with its problem, logged once, and never hides the other kind', async () => {
    const docker = fakeLauncher(['c1']);
    const pods = fakeLauncher([]);
    pods.failWith = 'connect ECONNREFUSED 127.0.0.1:16443';
    model = new KernelsModel({ docker, kubernetes: pods }, log, { debounceMs: 5 });
    await model.start();
    await model.refresh('kubernetes');
    assert.deepEqual(ids(model), ['c1']);
    assert.match(model.problemOf('kubernetes') ?? '', /ECONNREFUSED/);
    assert.equal(model.problemOf('docker'), undefined);
    assert.equal(logs.filter((l) => l.startsWith('warn Listing')).length, 1, 'the same failure is logged once');
    pods.failWith = undefined;
    pods.servers = ['ns/p9'];
    await model.refresh('kubernetes');
    assert.deepEqual(ids(model), ['c1', 'ns/p9']);
    assert.equal(model.problemOf('kubernetes'), undefined);
  });

  it('a slow older listing never overwrites a newer one', async () => {
    const docker = fakeLauncher(['old']);
    model = new KernelsModel({ docker }, log, { debounceMs: 5 });
    docker.hold = [];
    const first = model.refresh();
    docker.servers = ['new'];
    const second = model.refresh();
    const [releaseOld, releaseNew] = docker.hold;
    releaseNew();
    await second;
    releaseOld();
    await first;
    assert.deepEqual(ids(model), ['new']);
  });

  it('a watch that ends is opened again and the kind listed again; the same failure is said once', async () => {
    const docker = fakeLauncher(['c1']);
    model = new KernelsModel({ docker }, log, { debounceMs: 5, retryMs: 5, maxRetryMs: 10 });
    await model.start();
    docker.servers = ['c2'];
    const relisted = nextChange(model, 'docker');
    docker.watch!.onError(new Error('stream ended'));
    await relisted;
    assert.equal(docker.watchesOpened, 2);
    assert.deepEqual(ids(model), ['c2']);
    const again = nextChange(model, 'docker');
    docker.watch!.onError(new Error('stream ended'));
    await again;
    assert.equal(docker.watchesOpened, 3);
    assert.equal(logs.filter((l) => l.includes('the watch ended')).length, 1);
  });

  it('rewatch closes the old watch, opens a new one and lists again (the scopes changed)', async () => {
    const pods = fakeLauncher(['ns/p1']);
    model = new KernelsModel({ kubernetes: pods }, log, { debounceMs: 5 });
    await model.start();
    const first = pods.watch;
    pods.servers = ['other/p2'];
    await model.rewatch('kubernetes');
    assert.notEqual(pods.watch, first);
    assert.equal(pods.watchesOpened, 2);
    assert.deepEqual(ids(model), ['other/p2']);
  });

  it('a launcher without a watch is listed on refresh only', async () => {
    const docker = fakeLauncher(['c1'], false);
    model = new KernelsModel({ docker }, log, { debounceMs: 5 });
    await model.start();
    docker.servers = ['c1', 'c2'];
    assert.deepEqual(ids(model), ['c1']);
    assert.deepEqual((await model.listAll()).map((s) => s.resourceId), ['c1', 'c2']);
  });

  it('dispose closes the watches and ignores listings still in flight', async () => {
    const docker = fakeLauncher(['c1']);
    model = new KernelsModel({ docker }, log, { debounceMs: 5 });
    await model.start();
    docker.hold = [];
    let fired = 0;
    model.onDidChange(() => fired++);
    const pending = model.refresh();
    model.dispose();
    assert.equal(docker.watch, undefined);
    docker.hold[0]();
    await pending;
    assert.equal(fired, 0);
  });
});
