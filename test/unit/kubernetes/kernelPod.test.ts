import { strict as assert } from 'assert';
import type { KubernetesKernelTarget, LaunchOptions } from '../../../src/core/kernels/api';
import { CONFIG_DIR, CONFIG_FILE, CONFIG_LOADER_FILE, DEFAULT_IDLE_TIMEOUT_S, jupyterConfigLoader, Labels } from '../../../src/core/kernels/containerSpec';
import { KERNEL_SELECTOR, kernelPodLabels, kernelPodManifest, kernelPodName, kernelSecretManifest, labelValue, POD_WORKSPACE, serverScript } from '../../../src/core/kubernetes/kernelPod';

const target = (over: Partial<KubernetesKernelTarget> = {}): KubernetesKernelTarget => ({
  kind: 'kubernetes',
  image: '127.0.0.1:5000/berth/python:latest',
  kernelspec: 'python3',
  context: 'berth',
  namespace: 'team-a',
  ...over,
});
const options: LaunchOptions = {
  notebookKey: 'file:///home/ana/work/analysis%20one.ipynb',
  notebookPath: '/home/ana/work/analysis one.ipynb',
  env: { FROM_OPTIONS: '1' },
  extraMounts: [],
  owner: { kind: 'cli', id: 'cli-4242', pid: 4242 },
  keepAlive: false,
};
const TOKEN = 'a'.repeat(64);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('kernel pod manifest', () => {
  describe('labels', () => {
    it('keeps a value label syntax allows', () => {
      assert.equal(labelValue('python3'), 'python3');
      assert.equal(labelValue('cli-4242'), 'cli-4242');
    });
    it('hashes a value label syntax forbids, stably and within 63 characters', () => {
      const hashed = labelValue('file:///home/ana/work/analysis%20one.ipynb');
      assert.match(hashed, /^sha256-[0-9a-f]{40}$/);
      assert.equal(hashed, labelValue('file:///home/ana/work/analysis%20one.ipynb'));
      assert.notEqual(hashed, labelValue('file:///home/ana/work/other.ipynb'));
      assert.match(labelValue('x'.repeat(64)), /^sha256-/);
    });
    it('uses the containers\' label keys, every value valid, and the raw values in annotations', () => {
      const { labels, annotations } = kernelPodLabels(target(), options);
      assert.equal(labels[Labels.kernel], 'kubernetes');
      for (const key of [Labels.notebook, Labels.owner, Labels.ownerKind, Labels.keepAlive, Labels.image, Labels.kernelspec]) {
        assert.ok(key in labels, key);
      }
      for (const [key, value] of Object.entries(labels)) assert.match(value, LABEL_VALUE, `${key}=${value}`);
      assert.equal(annotations[Labels.notebook], options.notebookKey);
      assert.equal(annotations[Labels.image], '127.0.0.1:5000/berth/python:latest');
      assert.equal(annotations[Labels.owner], 'cli-4242');
      assert.equal(KERNEL_SELECTOR, 'berth.kernel=kubernetes');
    });
  });

  it('names pods in DNS-1123', () => {
    assert.match(kernelPodName('AbC_123xyz'), /^berth-kernel-[a-z0-9]+$/);
  });

  describe('least privilege', () => {
    it('mounts no service-account token and allows no privilege escalation by default', () => {
      const pod = kernelPodManifest(target(), options, 'p1');
      assert.equal(pod.spec.automountServiceAccountToken, false);
      assert.equal(pod.spec.serviceAccountName, undefined);
      assert.equal(pod.spec.containers[0].securityContext.allowPrivilegeEscalation, false);
      assert.equal(pod.spec.enableServiceLinks, false);
    });
    it('mounts the token of a service account the target names', () => {
      const pod = kernelPodManifest(target({ serviceAccount: 'notebook-runner' }), options, 'p1');
      assert.equal(pod.spec.automountServiceAccountToken, true);
      assert.equal(pod.spec.serviceAccountName, 'notebook-runner');
    });
    it('has no hostPath volume, only the Secret and an emptyDir workspace', () => {
      const pod = kernelPodManifest(target(), options, 'p1');
      assert.ok(!JSON.stringify(pod).includes('hostPath'));
      assert.deepEqual(pod.spec.volumes.map((v) => Object.keys(v).sort()), [['name', 'secret'], ['emptyDir', 'name']]);
      assert.deepEqual(pod.spec.containers[0].volumeMounts, [
        { name: 'berth-config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'workspace', mountPath: POD_WORKSPACE },
      ]);
    });
    it('never carries the token', () => {
      const pod = kernelPodManifest(target({ env: { A: 'b' } }), options, 'p1');
      assert.ok(!JSON.stringify(pod).includes(TOKEN));
    });
  });

  it('passes resources (nvidia.com/gpu included), nodeSelector, tolerations, pull policy and secrets, env', () => {
    const pod = kernelPodManifest(
      target({
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi', 'nvidia.com/gpu': '1' } },
        nodeSelector: { pool: 'gpu' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        imagePullPolicy: 'Always',
        imagePullSecrets: ['regcred'],
        env: { FROM_TARGET: 'x', FROM_OPTIONS: 'target' },
      }),
      options,
      'p1',
    );
    const c = pod.spec.containers[0];
    assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi', 'nvidia.com/gpu': '1' } });
    assert.deepEqual(pod.spec.nodeSelector, { pool: 'gpu' });
    assert.deepEqual(pod.spec.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(c.env, [{ name: 'FROM_TARGET', value: 'x' }, { name: 'FROM_OPTIONS', value: '1' }]);
  });

  it('ends quickly: short grace, no restarts, Jupyter under tini or exec', () => {
    const pod = kernelPodManifest(target(), options, 'p1');
    assert.ok(pod.spec.terminationGracePeriodSeconds <= 5);
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.deepEqual(pod.spec.containers[0].command.slice(0, 2), ['/bin/sh', '-c']);
    const script = serverScript();
    assert.match(script, /exec tini -s -g -- "\$c" --config=\/tmp\/berth\/jupyter_berth_config\.py/);
    assert.match(script, /exec "\$c" --config=/);
    assert.equal(pod.spec.containers[0].workingDir, POD_WORKSPACE);
  });

  it('puts the token and the Jupyter config (bound to 127.0.0.1, IOPub limits off) in the Secret', () => {
    const secret = kernelSecretManifest(target(), options, 'p1', TOKEN);
    assert.equal(secret.metadata.name, 'p1');
    assert.equal(secret.metadata.labels[Labels.kernel], 'kubernetes');
    assert.equal(secret.stringData.token, TOKEN);
    const config = JSON.parse(secret.stringData[CONFIG_FILE]);
    assert.equal(config.ServerApp.ip, '127.0.0.1');
    assert.equal(config.NotebookApp.ip, '127.0.0.1');
    assert.equal(config.ServerApp.token, TOKEN);
    assert.equal(config.ServerApp.iopub_data_rate_limit, 0);
    assert.equal(config.ServerApp.iopub_msg_rate_limit, 0);
    assert.equal(config.ServerApp.root_dir, POD_WORKSPACE);
    assert.equal(secret.stringData[CONFIG_LOADER_FILE], jupyterConfigLoader());
  });

  it("gives the pod's server the launch's idle timeout, so a pod whose owner died shuts itself down", () => {
    const config = JSON.parse(kernelSecretManifest(target(), { ...options, idleTimeoutS: 60 }, 'p1', TOKEN).stringData[CONFIG_FILE]);
    assert.equal(config.ServerApp.shutdown_no_activity_timeout, 60);
    assert.equal(config.MappingKernelManager.cull_idle_timeout, 60);
    const byDefault = JSON.parse(kernelSecretManifest(target(), options, 'p1', TOKEN).stringData[CONFIG_FILE]);
    assert.equal(byDefault.ServerApp.shutdown_no_activity_timeout, DEFAULT_IDLE_TIMEOUT_S);
  });

  describe('a target\'s volumes', () => {
    const withVolumes = target({
      volumes: [
        { mountPath: '/data', source: { kind: 'persistentVolumeClaim', claimName: 'results' }, subPath: 'alice' },
        { mountPath: '/scratch', source: { kind: 'emptyDir', sizeLimit: '1Gi', medium: 'Memory' } },
        { mountPath: '/reference', source: { kind: 'persistentVolumeClaim', claimName: 'results' }, subPath: 'shared', readOnly: true },
        { mountPath: '/tmp', source: { kind: 'emptyDir' } },
      ],
    });

    it('adds a claim once however often it is mounted, and each emptyDir with its size and medium, after Berth\'s own', () => {
      const pod = kernelPodManifest(withVolumes, options, 'p1');
      assert.deepEqual(pod.spec.volumes.slice(2), [
        { name: 'volume-0', persistentVolumeClaim: { claimName: 'results' } },
        { name: 'volume-1', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
        { name: 'volume-3', emptyDir: {} },
      ]);
      assert.deepEqual(pod.spec.volumes.slice(0, 2).map((v) => v.name), ['berth-config', 'workspace']);
    });

    it('mounts each at its path, with subPath and readOnly per mount', () => {
      const mounts = kernelPodManifest(withVolumes, options, 'p1').spec.containers[0].volumeMounts;
      assert.deepEqual(mounts.slice(2), [
        { name: 'volume-0', mountPath: '/data', subPath: 'alice' },
        { name: 'volume-1', mountPath: '/scratch' },
        { name: 'volume-0', mountPath: '/reference', readOnly: true, subPath: 'shared' },
        { name: 'volume-3', mountPath: '/tmp' },
      ]);
    });

    it('never has a hostPath, with volumes or without', () => {
      assert.ok(!JSON.stringify(kernelPodManifest(withVolumes, options, 'p1')).includes('hostPath'));
    });

    it('keeps every volume name a DNS label and distinct from Berth\'s', () => {
      const names = kernelPodManifest(withVolumes, options, 'p1').spec.volumes.map((v) => v.name);
      assert.equal(new Set(names).size, names.length);
      for (const n of names) assert.match(n, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });
  });
});
