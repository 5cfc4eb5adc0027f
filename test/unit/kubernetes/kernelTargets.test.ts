import { strict as assert } from 'assert';
import { parseKubernetesTargets, podControllerId, podScopes, resourceSummary, volumeSummary } from '../../../src/core/kubernetes/kernelTargets';

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
      { context: 'c', image: 'i', hostNetwork: true },
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
      'berth.kubernetes.targets[10] is skipped: unknown key "hostNetwork" (known: name, context, namespace, image, kernelspec, resources, nodeSelector, tolerations, imagePullPolicy, imagePullSecrets, serviceAccount, env, volumes)',
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

  describe('volumes', () => {
    const parse = (volumes: unknown) => parseKubernetesTargets([{ context: 'c', image: 'i', volumes }]);
    const problem = (volumes: unknown) => {
      const { targets, problems } = parse(volumes);
      assert.deepEqual(targets, []);
      assert.equal(problems.length, 1);
      return problems[0].replace('berth.kubernetes.targets[0] is skipped: ', '');
    };

    it('parses a claim and an emptyDir, with readOnly, subPath, sizeLimit and medium', () => {
      const { targets, problems } = parse([
        { mountPath: '/data', persistentVolumeClaim: 'results', subPath: 'alice' },
        { mountPath: '/reference', persistentVolumeClaim: { claimName: 'shared' }, readOnly: true },
        { mountPath: '/scratch', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
        { mountPath: '/tmp', emptyDir: {} },
      ]);
      assert.deepEqual(problems, []);
      assert.deepEqual(targets[0].target.volumes, [
        { mountPath: '/data', source: { kind: 'persistentVolumeClaim', claimName: 'results' }, subPath: 'alice' },
        { mountPath: '/reference', source: { kind: 'persistentVolumeClaim', claimName: 'shared' }, readOnly: true },
        { mountPath: '/scratch', source: { kind: 'emptyDir', sizeLimit: '1Gi', medium: 'Memory' } },
        { mountPath: '/tmp', source: { kind: 'emptyDir' } },
      ]);
      assert.match(targets[0].detail, /results at \/data · shared at \/reference \(read-only\) · emptyDir at \/scratch · emptyDir at \/tmp$/);
    });

    it('leaves an empty list out of the target', () => {
      assert.equal(parse([]).targets[0].target.volumes, undefined);
      assert.equal(volumeSummary(undefined), '');
    });

    it('refuses a host path, naming what to use instead', () => {
      assert.equal(problem([{ mountPath: '/data', hostPath: '/srv/data' }]), '"volumes[0]": Berth never mounts a host path into a kernel pod; use a "persistentVolumeClaim" (or an "emptyDir" for scratch)');
    });

    for (const [mountPath, message] of [
      [undefined, '"volumes[0].mountPath" is missing (e.g. "mountPath": "/data")'],
      ['data', '"volumes[0].mountPath" "data" must be an absolute path below "/" without "." or ".." parts, e.g. "/data"'],
      ['/', '"volumes[0].mountPath" "/" must be an absolute path below "/" without "." or ".." parts, e.g. "/data"'],
      ['/data/../etc', '"volumes[0].mountPath" "/data/../etc" must be an absolute path below "/" without "." or ".." parts, e.g. "/data"'],
      ['/data/', '"volumes[0].mountPath" "/data/" must be an absolute path below "/" without "." or ".." parts, e.g. "/data"'],
      ['/proc/x', '"volumes[0].mountPath" "/proc/x" is inside /proc, which the container runtime manages'],
      ['/workspace', '"volumes[0].mountPath" "/workspace" collides with the copy of the notebook\'s folder at /workspace: mount the volume elsewhere, e.g. "/data"'],
      ['/workspace/results', '"volumes[0].mountPath" "/workspace/results" collides with the copy of the notebook\'s folder at /workspace: mount the volume elsewhere, e.g. "/data"'],
      ['/tmp/berth', '"volumes[0].mountPath" "/tmp/berth" collides with Berth\'s config Secret at /tmp/berth: mount the volume elsewhere, e.g. "/data"'],
      ['/var/run/secrets/kubernetes.io/serviceaccount', '"volumes[0].mountPath" "/var/run/secrets/kubernetes.io/serviceaccount" collides with the service account\'s token at /var/run/secrets/kubernetes.io/serviceaccount: mount the volume elsewhere, e.g. "/data"'],
    ] as const) {
      it(`refuses the mount path ${JSON.stringify(mountPath)}`, () => {
        assert.equal(problem([{ mountPath, emptyDir: {} }]), message);
      });
    }

    it('allows a path that only starts like one of Berth\'s (/workspace2, /tmp/berthday)', () => {
      assert.deepEqual(parse([{ mountPath: '/workspace2', emptyDir: {} }, { mountPath: '/tmp/berthday', emptyDir: {} }]).problems, []);
    });

    it('refuses two volumes at one path', () => {
      assert.equal(problem([{ mountPath: '/data', emptyDir: {} }, { mountPath: '/data', persistentVolumeClaim: 'x' }]), '"volumes[1].mountPath" "/data" is already the mount path of volumes[0]');
    });

    for (const [volume, message] of [
      [{ mountPath: '/d' }, '"volumes[0]" needs exactly one of "persistentVolumeClaim" (a claim\'s name) and "emptyDir" ({} or { "sizeLimit": "1Gi" })'],
      [{ mountPath: '/d', emptyDir: {}, persistentVolumeClaim: 'x' }, '"volumes[0]" needs exactly one of "persistentVolumeClaim" (a claim\'s name) and "emptyDir" ({} or { "sizeLimit": "1Gi" })'],
      [{ mountPath: '/d', persistentVolumeClaim: 'Bad_Name' }, '"volumes[0].persistentVolumeClaim" must be the name of a PersistentVolumeClaim in the namespace, e.g. "results"'],
      [{ mountPath: '/d', emptyDir: true }, '"volumes[0].emptyDir" must be an object: {} or { "sizeLimit": "1Gi", "medium": "Memory" }'],
      [{ mountPath: '/d', emptyDir: { sizeLimit: 'big' } }, '"volumes[0].emptyDir.sizeLimit": "big" is not a quantity (e.g. "1Gi")'],
      [{ mountPath: '/d', emptyDir: { medium: 'HugePages' } }, '"volumes[0].emptyDir.medium" must be "Memory" (a tmpfs) or left out (the node\'s disk)'],
      [{ mountPath: '/d', emptyDir: { size: '1Gi' } }, '"volumes[0].emptyDir" takes "sizeLimit" and "medium", not "size"'],
      [{ mountPath: '/d', emptyDir: {}, readOnly: true }, '"volumes[0]": a read-only emptyDir stays empty; drop "readOnly"'],
      [{ mountPath: '/d', persistentVolumeClaim: 'x', readOnly: 'yes' }, '"volumes[0].readOnly" must be true or false'],
      [{ mountPath: '/d', persistentVolumeClaim: 'x', subPath: '../other' }, '"volumes[0].subPath" must be a relative path inside the volume without "..", e.g. "alice"'],
      [{ mountPath: '/d', persistentVolumeClaim: 'x', subPath: '/abs' }, '"volumes[0].subPath" must be a relative path inside the volume without "..", e.g. "alice"'],
      [{ mountPath: '/d', nfs: { server: 'x' } }, '"volumes[0]": unknown key "nfs" (known: mountPath, persistentVolumeClaim, emptyDir, readOnly, subPath)'],
      ['/data', '"volumes[0]" must be an object such as { "mountPath": "/data", "persistentVolumeClaim": "results" }'],
    ] as const) {
      it(`refuses ${JSON.stringify(volume)}`, () => {
        assert.equal(problem([volume]), message);
      });
    }

    it('refuses volumes that are not a list', () => {
      assert.equal(problem({ mountPath: '/d', emptyDir: {} }), '"volumes" must be a list such as [{ "mountPath": "/data", "persistentVolumeClaim": "results" }]');
    });
  });
});
