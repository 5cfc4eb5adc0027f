import { strict as assert } from 'assert';
import { parseKubernetesTargets, podControllerId, podScopes, resourceSummary } from '../../../src/core/kubernetes/kernelTargets';

describe('berth.kubernetes.targets', () => {
  it('parses a full entry into a KubernetesKernelTarget with the picker label', () => {
    const { targets, problems } = parseKubernetesTargets(
      [
        {
          name: 'gpu',
          context: 'prod',
          namespace: 'team-a',
          image: 'registry.example.com/team/python:3.12',
          kernelspec: 'python3',
          resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi', 'nvidia.com/gpu': 1 } },
          nodeSelector: { 'kubernetes.io/arch': 'amd64' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          imagePullPolicy: 'IfNotPresent',
          imagePullSecrets: ['regcred', { name: 'other' }],
          serviceAccount: 'notebook',
          env: { MPLBACKEND: 'Agg', N: 3 },
        },
      ],
      '/home/ana/.kube/other',
    );
    assert.deepEqual(problems, []);
    assert.equal(targets.length, 1);
    const t = targets[0];
    assert.equal(t.label, 'Berth: registry.example.com/team/python:3.12 on prod/team-a');
    assert.equal(t.where, 'registry.example.com/team/python:3.12 on prod/team-a');
    assert.equal(t.id, 'kubernetes:prod/team-a/registry.example.com/team/python:3.12/python3#gpu');
    assert.deepEqual(t.target, {
      kind: 'kubernetes',
      image: 'registry.example.com/team/python:3.12',
      kernelspec: 'python3',
      context: 'prod',
      namespace: 'team-a',
      kubeconfig: '/home/ana/.kube/other',
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi', 'nvidia.com/gpu': '1' } },
      nodeSelector: { 'kubernetes.io/arch': 'amd64' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      imagePullPolicy: 'IfNotPresent',
      imagePullSecrets: ['regcred', 'other'],
      serviceAccount: 'notebook',
      env: { MPLBACKEND: 'Agg', N: '3' },
    });
    assert.match(t.detail, /gpu · python3 · cpu 500m · memory 2Gi–4Gi · nvidia.com\/gpu 1 · kubernetes.io\/arch=amd64/);
  });

  it('defaults the namespace to "default", the kernelspec to python3, and leaves the kubeconfig to the usual lookup', () => {
    const { targets } = parseKubernetesTargets([{ context: 'kind', image: 'python:3.12' }]);
    assert.deepEqual(targets[0].target, { kind: 'kubernetes', image: 'python:3.12', kernelspec: 'python3', context: 'kind', namespace: 'default' });
    assert.equal(targets[0].label, 'Berth: python:3.12 on kind/default');
  });

  it('never gives a pod target a Docker controller id', () => {
    const { targets } = parseKubernetesTargets([{ context: 'c', image: 'berth/python:latest' }]);
    assert.ok(targets[0].id.startsWith('kubernetes:'));
    assert.notEqual(targets[0].id, 'docker:berth/python:latest:python3');
    assert.equal(podControllerId({ context: 'c', namespace: 'n', image: 'i', kernelspec: 'k' }), 'kubernetes:c/n/i/k');
  });

  it('skips each bad entry with one line naming it, and keeps the good ones', () => {
    const { targets, problems } = parseKubernetesTargets([
      { context: 'ok', image: 'python:3.12' },
      { image: 'python:3.12' },
      { context: 'c' },
      'python:3.12',
      { context: 'c', image: 'i', namespace: 'Team A' },
      { context: 'c', image: 'i', resources: { requests: { cpu: 'lots' } } },
      { context: 'c', image: 'i', resources: { request: { cpu: '1' } } },
      { context: 'c', image: 'i', imagePullPolicy: 'Sometimes' },
      { context: 'c', image: 'i', tolerations: [{ operator: 'Maybe' }] },
      { context: 'c', image: 'i', env: { 'BAD NAME': 'x' } },
      { context: 'c', image: 'i', volumes: [] },
      { context: 'ok', image: 'python:3.12' },
    ]);
    assert.deepEqual(targets.map((t) => t.target.context), ['ok']);
    assert.deepEqual(problems, [
      'berth.kubernetes.targets[1] is skipped: "context" is missing (e.g. "context": "my-cluster")',
      'berth.kubernetes.targets[2] is skipped: "image" is missing (e.g. "image": "registry.example.com/team/python:3.12")',
      'berth.kubernetes.targets[3] is skipped: must be an object with at least "context" and "image"',
      'berth.kubernetes.targets[4] is skipped: "namespace" "Team A" is not a namespace name (lower-case letters, digits and "-")',
      'berth.kubernetes.targets[5] is skipped: "resources.requests.cpu": "lots" is not a quantity (e.g. "500m", "2Gi", "1")',
      'berth.kubernetes.targets[6] is skipped: "resources" takes "requests" and "limits", not "request"',
      'berth.kubernetes.targets[7] is skipped: "imagePullPolicy" must be one of Always, IfNotPresent, Never',
      'berth.kubernetes.targets[8] is skipped: "tolerations[0].operator" must be Exists or Equal',
      'berth.kubernetes.targets[9] is skipped: "env": "BAD NAME" is not a variable name',
      'berth.kubernetes.targets[10] is skipped: unknown key "volumes" (known: name, context, namespace, image, kernelspec, resources, nodeSelector, tolerations, imagePullPolicy, imagePullSecrets, serviceAccount, env)',
      'berth.kubernetes.targets[11] is skipped: the same context, namespace, image and kernelspec as entry 0: give one of them a different "name"',
    ]);
  });

  it('says so when the setting is not a list, and is quiet when it is unset', () => {
    assert.deepEqual(parseKubernetesTargets(undefined), { targets: [], problems: [] });
    const { targets, problems } = parseKubernetesTargets({ context: 'c', image: 'i' });
    assert.deepEqual(targets, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^berth\.kubernetes\.targets must be a list of targets/);
  });

  it('summarises resources', () => {
    assert.equal(resourceSummary(undefined), '');
    assert.equal(resourceSummary({ requests: { cpu: '64' } }), 'cpu 64');
    assert.equal(resourceSummary({ requests: { cpu: '1' }, limits: { cpu: '1' } }), 'cpu 1');
  });

  it('lists each cluster place once for re-attach and cleanup', () => {
    const { targets } = parseKubernetesTargets(
      [
        { context: 'a', image: 'i1' },
        { context: 'a', image: 'i2' },
        { context: 'a', namespace: 'ns', image: 'i1' },
      ],
      '/k',
    );
    assert.deepEqual(podScopes(targets), [
      { context: 'a', namespace: 'default', kubeconfig: '/k' },
      { context: 'a', namespace: 'ns', kubeconfig: '/k' },
    ]);
  });
});
