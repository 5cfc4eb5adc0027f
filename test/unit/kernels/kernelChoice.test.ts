import { strict as assert } from 'assert';
import type { KernelTarget } from '../../../src/core/kernels/api';
import { parseKubernetesTargets } from '../../../src/core/kubernetes/kernelTargets';
import { podChoice, resourceName, servesChoice, serverWhere } from '../../../src/features/kernels/kernelChoice';

describe('kernel choices (picker entries) and the servers found by label', () => {
  const [pod] = parseKubernetesTargets([{ context: 'lab', namespace: 'team', image: 'reg/py:1' }]).targets;
  const choice = podChoice(pod);
  const server = (target: KernelTarget) => ({ target });

  it('a pod choice carries the target, the kernelspec it names and "IMAGE on CONTEXT/NAMESPACE"', () => {
    assert.equal(choice.id, 'kubernetes:lab/team/reg/py:1/python3');
    assert.equal(choice.reference, 'reg/py:1 on lab/team');
    assert.deepEqual(choice.kernelspec, { name: 'python3', displayName: 'python3', language: '' });
    assert.equal(choice.target, pod.target);
  });

  it('re-attaches only to a pod of the same image, kernelspec, context and namespace', () => {
    assert.ok(servesChoice(server({ ...pod.target }), choice));
    assert.ok(!servesChoice(server({ ...pod.target, namespace: 'other' }), choice));
    assert.ok(!servesChoice(server({ ...pod.target, context: 'prod' }), choice));
    assert.ok(!servesChoice(server({ ...pod.target, kernelspec: 'ir' }), choice));
    assert.ok(!servesChoice(server({ kind: 'docker', image: 'reg/py:1', kernelspec: 'python3' }), choice), 'a container never serves a pod choice');
  });

  it('names a pod as NAMESPACE/NAME and a container by its short id', () => {
    assert.equal(resourceName(pod.target, 'team/berth-kernel-0123'), 'pod team/berth-kernel-0123');
    assert.equal(resourceName({ kind: 'docker' }, 'sha256:0123456789abcdef0123'), 'container 0123456789ab');
    assert.equal(serverWhere(server(pod.target)), 'reg/py:1 on lab/team');
    assert.equal(serverWhere(server({ kind: 'docker', image: 'berth/python:latest', kernelspec: 'python3' })), 'berth/python:latest');
  });
});
