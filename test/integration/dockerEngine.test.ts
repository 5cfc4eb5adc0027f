// The docker adapter against the real Docker Engine provisioned by scripts/provision/docker.sh.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import { DockerodeEngine } from '../../src/adapters/docker/dockerEngine';
import { EngineUnreachableError } from '../../src/core/common/errors';
import { nullLogger } from '../../src/core/common/logger';
import type { EngineEvent } from '../../src/core/docker/engine';
import { ImagesModel } from '../../src/core/images/imagesModel';

const KERNEL_IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';

describe('DockerodeEngine (real Docker Engine)', () => {
  const engine = new DockerodeEngine(undefined);
  const docker = new Docker();
  const tagsToRemove: string[] = [];
  afterEach(async () => {
    for (const tag of tagsToRemove.splice(0)) {
      await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
    }
  });

  it('answers a ping', async () => {
    await engine.ping();
  });

  it('lists the default kernel image with its size and creation time', async () => {
    const images = await engine.listImages();
    const kernel = images.find((i) => i.tags.includes(KERNEL_IMAGE));
    assert.ok(kernel, `${KERNEL_IMAGE} not among ${images.flatMap((i) => i.tags).join(', ')}`);
    assert.match(kernel.id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(kernel.sizeBytes > 50_000_000, `implausible size ${kernel.sizeBytes}`);
    assert.ok(kernel.createdMs > Date.UTC(2020, 0, 1) && kernel.createdMs <= Date.now() + 60_000);
  });

  it('streams image events as they happen', async () => {
    const tag = `berth-test/events:${process.pid}-${Date.now()}`;
    const seen: EngineEvent[] = [];
    let watch: { dispose(): void } | undefined;
    const tagged = new Promise<void>((resolve, reject) => {
      watch = engine.watchEvents(
        (e) => {
          seen.push(e);
          if (e.type === 'image' && e.action === 'tag' && e.attributes.name === tag) resolve();
        },
        reject,
      );
    });
    try {
      // The stream is open once the engine has answered the request; a ping right after orders us behind it.
      await engine.ping();
      const [repo, version] = tag.split(':');
      tagsToRemove.push(tag);
      await docker.getImage(KERNEL_IMAGE).tag({ repo, tag: version });
      await withDeadline(tagged, 15000, () => `no tag event for ${tag}; saw ${JSON.stringify(seen)}`);
    } finally {
      watch?.dispose();
    }
  });

  it('reports a socket where no engine listens as unreachable, naming the address', async () => {
    const nowhere = new DockerodeEngine('unix:///tmp/berth-no-engine-here.sock');
    await assert.rejects(nowhere.ping(), (e: unknown) => {
      assert.ok(e instanceof EngineUnreachableError);
      assert.equal(e.address, 'unix:///tmp/berth-no-engine-here.sock');
      assert.match(e.reason, /ENOENT/);
      return true;
    });
  });

  it('drives ImagesModel: a new tag shows up without a manual refresh', async () => {
    const model = new ImagesModel(engine, nullLogger, { debounceMs: 50 });
    try {
      await model.refresh();
      assert.equal(model.state.kind, 'ready');
      const tag = `berth-test/model:${process.pid}-${Date.now()}`;
      const appeared = new Promise<void>((resolve) => {
        const sub = model.onDidChange((s) => {
          if (s.kind === 'ready' && s.images.some((i) => i.tags.includes(tag))) {
            sub.dispose();
            resolve();
          }
        });
      });
      const [repo, version] = tag.split(':');
      tagsToRemove.push(tag);
      await docker.getImage(KERNEL_IMAGE).tag({ repo, tag: version });
      await withDeadline(appeared, 15000, () => `ImagesModel never listed ${tag}`);
    } finally {
      model.dispose();
    }
  });
});

async function withDeadline<T>(p: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why())), ms)));
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
