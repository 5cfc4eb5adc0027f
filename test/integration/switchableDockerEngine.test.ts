// The engine behind berth.docker.host changes while Berth runs: calls and open event streams follow it.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import { SwitchableDockerEngine } from '../../src/adapters/docker/switchableDockerEngine';
import { EngineUnreachableError } from '../../src/core/common/errors';
import type { EngineEvent } from '../../src/core/docker/engine';

const KERNEL_IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';

describe('SwitchableDockerEngine (real Docker Engine)', () => {
  const docker = new Docker();
  const tags: string[] = [];
  after(async () => {
    for (const tag of tags) await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
  });

  it('sends calls to the engine of the current setting', async () => {
    const engine = new SwitchableDockerEngine('');
    await engine.ping();
    engine.switchTo('unix:///tmp/berth-switch-nowhere.sock');
    assert.equal(engine.address, 'unix:///tmp/berth-switch-nowhere.sock');
    await assert.rejects(engine.ping(), EngineUnreachableError);
    engine.switchTo('');
    await engine.ping();
  });

  it('moves an open event stream to the new engine', async () => {
    const engine = new SwitchableDockerEngine('');
    const tag = `berth-test/switch:${process.pid}-${Date.now()}`;
    let ended: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let watch: { dispose(): void } | undefined;
    try {
      const seen = new Promise<EngineEvent>((resolve) => {
        watch = engine.watchEvents(
          (e) => {
            if (e.type === 'image' && e.action === 'tag' && e.attributes.name === tag) resolve(e);
          },
          (e) => (ended = e),
        );
      });
      engine.switchTo(`unix:///var/run/docker.sock`);
      await engine.ping();
      const [repo, version] = tag.split(':');
      tags.push(tag);
      await docker.getImage(KERNEL_IMAGE).tag({ repo, tag: version });
      await Promise.race([seen, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no tag event after the switch (ended: ${ended?.message})`)), 15000)))]);
      assert.equal(ended, undefined, 'the switch must not end the consumer\'s stream');
    } finally {
      // Also when the event never came: an open stream or timer would keep the test process alive.
      clearTimeout(timer);
      watch?.dispose();
    }
  });
});
