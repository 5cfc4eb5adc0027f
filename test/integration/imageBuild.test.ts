// Builds through DockerImageBuilder + runBuild against the real Docker Engine: success tags the image,
// failures say why and on which line, and an aborted build leaves no tag and no build container behind.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancelledError } from '../../src/core/common/errors';
import { BuildFailedError, runBuild, type BuildStep } from '../../src/core/build/buildRunner';
import { DockerImageBuilder } from '../../src/adapters/docker/dockerImageBuilder';
import { waitForNoBuildLeftovers } from '../support/buildLeftovers';

const BASE = 'berth/debian-base:bookworm';
const LABEL = 'berth.test.image-build';
const RUN_ID = `${process.pid}-${Date.now()}`;

describe('Image build (real Docker Engine)', function () {
  const docker = new Docker();
  const builder = new DockerImageBuilder(docker, 'unix:///var/run/docker.sock');
  let dir: string;
  let tag: string;
  let n = 0;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-'));
    tag = `berth-test/build:${RUN_ID}-${n++}`;
  });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    // A failed build keeps the images of the steps that succeeded (as docker build does); ours carry RUN_ID.
    for (const image of await docker.listImages({ filters: { dangling: ['true'] } })) {
      const info = await docker.getImage(image.Id).inspect().catch(() => undefined);
      if (info?.ContainerConfig?.Cmd?.join(' ').includes(RUN_ID)) await docker.getImage(image.Id).remove().catch(() => undefined);
    }
  });

  function build(dockerfile: string, steps: BuildStep[] = [], signal?: AbortSignal, log: string[] = []) {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    return runBuild(builder, { contextDir: dir, dockerfile: 'Dockerfile', tag, buildArgs: { GREETING: 'hello' }, labels: { [LABEL]: RUN_ID } }, dockerfile, {
      onStep: (s) => steps.push(s),
      onLog: (t) => log.push(t),
    }, signal);
  }

  async function failure(dockerfile: string): Promise<BuildFailedError> {
    try {
      await build(dockerfile);
    } catch (error) {
      assert.ok(error instanceof BuildFailedError, `expected BuildFailedError, got ${String(error)}`);
      return error;
    }
    assert.fail('the build succeeded');
  }

  it('tags the image, reports each step with its line, and passes build args and labels', async () => {
    const steps: BuildStep[] = [];
    const log: string[] = [];
    const result = await build(`# a comment\nFROM ${BASE}\nARG GREETING\n\nRUN echo "$GREETING" > /greeting \\\n  && true\n`, steps, undefined, log);
    const image = await docker.getImage(tag).inspect();
    assert.equal(image.Id, result.imageId);
    assert.equal(image.Config.Labels?.[LABEL], RUN_ID);
    assert.deepEqual(steps.map((s) => [s.index, s.total, s.line]), [[1, 4, 1], [2, 4, 2], [3, 4, 4], [4, 4, undefined]]);
    assert.match(log.join(''), /Successfully tagged/);
  });

  it('maps a failing RUN to its line, with the exit code and its last output', async () => {
    // One stream only: the engine may interleave a step's stdout and stderr in either order.
    const e = await failure(`FROM ${BASE}\nRUN true # ${RUN_ID}\nRUN echo first-line >&2 && echo the-reason >&2 && exit 7\nRUN true\n`);
    assert.equal(e.failure.line, 2);
    assert.match(e.message, /RUN failed with exit code 7: the-reason/);
    assert.match(e.failure.detail, /first-line/);
  });

  it('names an unknown instruction and its line', async () => {
    const e = await failure(`FROM ${BASE}\n\nRUNN echo typo\n`);
    assert.equal(e.failure.line, 2);
    assert.match(e.message, /Unknown instruction RUNN on line 3/);
  });

  it('names a COPY source missing from the context', async () => {
    const e = await failure(`FROM ${BASE}\nCOPY missing.txt /x\n`);
    assert.equal(e.failure.line, 1);
    assert.match(e.message, /COPY source "missing.txt" is not in the build context/);
  });

  it('says a missing base image cannot be pulled when no registry answers', async () => {
    const e = await failure(`FROM berth-test/no-such-base:${RUN_ID}\nRUN true\n`);
    assert.equal(e.failure.line, 0);
    assert.match(e.message, new RegExp(`Base image berth-test/no-such-base:${RUN_ID} is not available locally and no registry answered: build or load it first`));
  });

  it('aborts a running build: no tag, no build container and no layer of the cancelled step left', async function () {
    const steps: BuildStep[] = [];
    const controller = new AbortController();
    const marker = `cancel-${RUN_ID}`;
    const since = Date.now();
    let check: NodeJS.Timeout | undefined;
    try {
      const sleeping = new Promise<void>((resolve) => {
        check = setInterval(async () => {
          const running = await docker.listContainers({ all: true, filters: { ancestor: [BASE] } }).catch(() => []);
          if (steps.some((s) => s.instruction.startsWith('RUN sleep')) && running.some((c) => c.Command.includes(marker))) resolve();
        }, 200);
      });
      const building = build(`FROM ${BASE}\nRUN sleep 600 # ${marker}\n`, steps, controller.signal);
      await Promise.race([sleeping, building]);
      controller.abort(new CancelledError());
      await assert.rejects(building, (e: unknown) => e instanceof CancelledError);
    } finally {
      // Also when the build failed before its RUN started: a live interval would keep the test process running.
      clearInterval(check);
    }
    const left = await waitForNoBuildLeftovers(docker, marker, tag, since);
    for (const c of left.containers) await docker.getContainer(c.split(' ')[0]).remove({ force: true }).catch(() => undefined);
    assert.deepEqual(left, { containers: [], images: [], tagged: false }, 'the cancelled build left something on the engine');
  });
});
