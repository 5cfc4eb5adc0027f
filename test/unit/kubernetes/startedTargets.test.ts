import { strict as assert } from 'assert';
import type { ImageInfo } from '../../../src/core/docker/engine';
import { parseKubernetesTargets, podControllerId } from '../../../src/core/kubernetes/kernelTargets';
import { imageRoute, MAX_STARTED_TARGETS, readStartedTargets, rememberStartedTarget, STARTED_DETAIL, withStartedTargets, type StartedTarget } from '../../../src/core/kubernetes/startedTargets';

const image = (tags: string[], digests: string[] = []): ImageInfo => ({ id: `sha256:${tags.join()}`, tags, digests, sizeBytes: 1, createdMs: 0, labels: {} });
const started = (image: string, namespace = 'team'): StartedTarget => ({ context: 'lab', namespace, image, kernelspec: 'python3' });

describe('Start Kernel Here: which images the cluster can pull', () => {
  it('pushes a local image that no registry has to berth.registry, keeping its repository and tag', () => {
    assert.deepEqual(imageRoute('berth/python:latest', [image(['berth/python:latest'])], 'http://127.0.0.1:5000/'), {
      kind: 'push',
      image: 'berth/python:latest',
      target: '127.0.0.1:5000/berth/python:latest',
      registry: '127.0.0.1:5000',
    });
  });

  it('says the cluster cannot pull a local-only image when berth.registry is not set, and how to fix it', () => {
    const route = imageRoute('berth/python:latest', [image(['berth/python:latest'])], '  ');
    assert.equal(route.kind, 'local-only');
    assert.match(route.kind === 'local-only' ? route.message : '', /^berth\/python:latest exists only on this machine .* cannot pull it\. Set berth\.registry /);
  });

  it('uses an image as it is when the engine holds a digest of its repository (pushed or pulled)', () => {
    const pushed = image(['127.0.0.1:5000/berth/python:e2e'], ['127.0.0.1:5000/berth/python@sha256:abc']);
    assert.deepEqual(imageRoute('127.0.0.1:5000/berth/python:e2e', [pushed], '127.0.0.1:5000'), { kind: 'pull', image: '127.0.0.1:5000/berth/python:e2e' });
    const hub = image(['python:3.12'], ['python@sha256:def']);
    assert.deepEqual(imageRoute('python:3.12', [hub], undefined), { kind: 'pull', image: 'python:3.12' });
  });

  it('does not take a digest of another repository of the same image as the reference being in a registry', () => {
    const tagged = image(['berth-e2e/here:e2e', '127.0.0.1:5000/berth/python:latest'], ['127.0.0.1:5000/berth/python@sha256:abc']);
    assert.equal(imageRoute('berth-e2e/here:e2e', [tagged], '127.0.0.1:5000').kind, 'push');
  });

  it('takes a reference that no local image has for a registry reference the cluster pulls', () => {
    assert.deepEqual(imageRoute('registry.example.com/team/python:3.12', [image(['berth/python:latest'])], undefined), { kind: 'pull', image: 'registry.example.com/team/python:3.12' });
  });
});

describe('Start Kernel Here: remembered targets', () => {
  it('keeps the newest first, moves one started again to the front, and holds at most the maximum', () => {
    let list: StartedTarget[] = [];
    for (let i = 0; i < MAX_STARTED_TARGETS + 2; i++) list = rememberStartedTarget(list, started(`r/img:${i}`));
    assert.equal(list.length, MAX_STARTED_TARGETS);
    assert.equal(list[0].image, `r/img:${MAX_STARTED_TARGETS + 1}`);
    list = rememberStartedTarget(list, started('r/img:5'));
    assert.equal(list[0].image, 'r/img:5');
    assert.equal(list.filter((t) => t.image === 'r/img:5').length, 1);
  });

  it('drops malformed stored entries instead of failing', () => {
    assert.deepEqual(readStartedTargets({ not: 'a list' }), []);
    assert.deepEqual(readStartedTargets([started('r/a:1'), { context: 'lab', image: 'x' }, null, { ...started('r/b:1'), extra: 1 }]), [started('r/a:1'), started('r/b:1')]);
  });

  it('become "Berth: IMAGE on CONTEXT/NAMESPACE" pod kernels after the configured ones, said to come from the Cluster view', () => {
    const configured = parseKubernetesTargets([{ context: 'lab', namespace: 'team', image: 'r/configured:1' }]);
    const all = withStartedTargets(configured, [started('127.0.0.1:5000/berth/python:latest')], '/k/config');
    assert.deepEqual(all.map((t) => t.label), ['Berth: r/configured:1 on lab/team', 'Berth: 127.0.0.1:5000/berth/python:latest on lab/team']);
    assert.equal(all[1].id, podControllerId(started('127.0.0.1:5000/berth/python:latest')));
    assert.equal(all[1].target.kubeconfig, '/k/config');
    assert.equal(all[1].detail, `python3 · ${STARTED_DETAIL}`);
  });

  it('leaves out a started target that a configured one already gives (the configured one wins)', () => {
    const configured = parseKubernetesTargets([{ context: 'lab', namespace: 'team', image: 'r/same:1', resources: { limits: { memory: '1Gi' } } }]);
    const all = withStartedTargets(configured, [started('r/same:1')]);
    assert.equal(all.length, 1);
    assert.equal(all[0].target.resources?.limits?.memory, '1Gi');
  });
});
