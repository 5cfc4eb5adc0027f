// runBuild over a scripted builder: the orchestration (step → line, failure, cancel) is pure logic.
import { strict as assert } from 'assert';
import { BuildActivity, formatStep } from '../../src/core/build/buildActivity';
import { BuildFailedError, runBuild, type BuildStep } from '../../src/core/build/buildRunner';
import type { BuildStreamEvent } from '../../src/core/build/buildStream';
import type { BuildRequest, ImageBuilder } from '../../src/core/build/imageBuilder';
import { CancelledError } from '../../src/core/common/errors';

class ScriptedBuilder implements ImageBuilder {
  requests: BuildRequest[] = [];
  constructor(private readonly events: BuildStreamEvent[]) {}
  async build(request: BuildRequest, onEvent: (e: BuildStreamEvent) => void): Promise<void> {
    this.requests.push(request);
    this.events.forEach(onEvent);
  }
}

const request: BuildRequest = { contextDir: '/c', dockerfile: 'Dockerfile', tag: 't:1', buildArgs: {}, labels: {} };
const dockerfile = 'FROM b\n\nRUN a \\\n  && b\nRUN c\n';

describe('runBuild', () => {
  it('returns the image id and reports steps with their lines', async () => {
    const steps: BuildStep[] = [];
    const logs: string[] = [];
    const builder = new ScriptedBuilder([
      { kind: 'step', index: 1, total: 3, instruction: 'FROM b' },
      { kind: 'step', index: 2, total: 3, instruction: 'RUN a && b' },
      { kind: 'log', text: 'out\n' },
      { kind: 'step', index: 3, total: 3, instruction: 'RUN c' },
      { kind: 'imageId', id: 'sha256:1' },
    ]);
    const result = await runBuild(builder, request, dockerfile, { onStep: (s) => steps.push(s), onLog: (t) => logs.push(t) });
    assert.deepEqual(result, { imageId: 'sha256:1', tag: 't:1' });
    assert.deepEqual(steps.map((s) => s.line), [0, 2, 4]);
    assert.deepEqual(logs, ['out\n']);
  });
  it('fails on the running step with its output', async () => {
    const builder = new ScriptedBuilder([
      { kind: 'step', index: 1, total: 3, instruction: 'FROM b' },
      { kind: 'log', text: 'from output\n' },
      { kind: 'step', index: 2, total: 3, instruction: 'RUN a && b' },
      { kind: 'log', text: 'why\n' },
      { kind: 'error', message: "The command '/bin/sh -c a && b' returned a non-zero code: 4", code: 4 },
    ]);
    await assert.rejects(runBuild(builder, request, dockerfile, {}), (e: unknown) => {
      assert.ok(e instanceof BuildFailedError);
      assert.deepEqual([e.failure.line, e.message], [2, 'RUN failed with exit code 4: why']);
      return true;
    });
  });
  it('keeps the first error the engine reports', async () => {
    const builder = new ScriptedBuilder([{ kind: 'error', message: 'first' }, { kind: 'error', message: 'second' }]);
    await assert.rejects(runBuild(builder, request, dockerfile, {}), /^BuildFailedError: first$/);
  });
  it('fails when the engine reports no image', async () => {
    await assert.rejects(runBuild(new ScriptedBuilder([]), request, dockerfile, {}), /without reporting an image/);
  });
  it('reports cancellation, not failure, once the signal aborted', async () => {
    const controller = new AbortController();
    const builder: ImageBuilder = { build: async () => controller.abort() };
    await assert.rejects(runBuild(builder, request, dockerfile, {}, controller.signal), (e: unknown) => e instanceof CancelledError);
  });
  it('counts steps of the target stage only', async () => {
    const steps: BuildStep[] = [];
    const builder = new ScriptedBuilder([{ kind: 'step', index: 2, total: 2, instruction: 'RUN x' }, { kind: 'imageId', id: 'i' }]);
    await runBuild(builder, { ...request, target: 'one' }, 'FROM a AS one\nRUN x\nFROM b\nRUN y', { onStep: (s) => steps.push(s) });
    assert.equal(steps[0].line, 1);
  });
});

describe('BuildActivity', () => {
  it('lists running builds with their step and forgets them when they end', () => {
    const activity = new BuildActivity();
    let changes = 0;
    activity.onDidChange(() => changes++);
    const a = activity.start('a:1', 'Dockerfile', () => undefined);
    a.update('Step 1/2');
    assert.deepEqual(activity.builds.map((b) => [b.tag, b.step]), [['a:1', 'Step 1/2']]);
    a.end();
    a.end();
    a.update('late');
    assert.deepEqual([activity.builds.length, changes], [0, 3]);
  });
});

describe('BuildActivity.cancel', () => {
  it('cancels the named build, or all', () => {
    const activity = new BuildActivity();
    const cancelled: string[] = [];
    activity.start('a', 'A', () => cancelled.push('a'));
    const b = activity.start('b', 'B', () => cancelled.push('b'));
    activity.cancel(activity.builds[1].id);
    assert.deepEqual(cancelled, ['b']);
    b.end();
    activity.cancel();
    assert.deepEqual(cancelled, ['b', 'a']);
  });
});

describe('formatStep', () => {
  it('formats and collapses whitespace', () => assert.equal(formatStep(3, 7, 'RUN  a\tb'), 'Step 3/7: RUN a b'));
  it('shortens long instructions', () => assert.equal(formatStep(1, 2, 'RUN ' + 'x'.repeat(100), 20), 'Step 1/2: RUN xxxxx…'));
});
