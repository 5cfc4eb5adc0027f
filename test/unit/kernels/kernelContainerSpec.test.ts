import { strict as assert } from 'assert';
import { bindOf, kernelContainerSpec } from '../../../src/adapters/docker/kernelContainerSpec';
import type { KernelTarget, LaunchOptions } from '../../../src/core/kernels/api';

const target: KernelTarget = { kind: 'docker', image: 'berth/python:latest', kernelspec: 'python3' };
const options = (over: Partial<LaunchOptions> = {}): LaunchOptions => ({
  notebookKey: 'file:///ws/sub/n.ipynb',
  notebookPath: '/ws/sub/n.ipynb',
  workspaceFolder: '/ws',
  env: {},
  extraMounts: [],
  owner: { kind: 'vscode', id: 'window-1', pid: 4242 },
  keepAlive: false,
  ...over,
});

describe('Docker create body of a kernel container (adapters/docker)', () => {
  describe('kernelContainerSpec', () => {
    const spec = kernelContainerSpec(target, ['jupyter-server'], options());
    it('runs the probed server command with only the config file as argument', () => {
      assert.deepEqual(spec.Entrypoint, ['jupyter-server']);
      assert.deepEqual(spec.Cmd, ['--config=/tmp/berth/jupyter_berth_config.py']);
    });
    it('publishes 8888 on 127.0.0.1 only, with the port left to the engine', () => {
      assert.deepEqual(spec.HostConfig.PortBindings, { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
      assert.deepEqual(spec.ExposedPorts, { '8888/tcp': {} });
    });
    it('uses an init process', () => {
      assert.equal(spec.HostConfig.Init, true);
    });
    it('bind-mounts the workspace and starts in the notebook folder', () => {
      assert.deepEqual(spec.HostConfig.Binds, ['/ws:/workspace']);
      assert.equal(spec.WorkingDir, '/workspace/sub');
    });
    it('leaves the image working directory alone when there is nothing mounted', () => {
      assert.ok(!('WorkingDir' in kernelContainerSpec(target, ['jupyter-server'], options({ notebookPath: undefined, workspaceFolder: undefined }))));
    });
    it('adds extra mounts, read-only where asked', () => {
      const s = kernelContainerSpec(target, ['jupyter-lab'], options({ extraMounts: [{ hostPath: '/data', containerPath: '/data', readOnly: true }, { hostPath: '/scratch', containerPath: '/s' }] }));
      assert.deepEqual(s.HostConfig.Binds, ['/ws:/workspace', '/data:/data:ro', '/scratch:/s']);
    });
    it('passes env vars as KEY=value', () => {
      const s = kernelContainerSpec(target, ['jupyter-server'], options({ env: { A: '1', PATH_EXTRA: 'x=y' } }));
      assert.deepEqual(s.Env, ['A=1', 'PATH_EXTRA=x=y']);
    });
    it('uses the image the user picked', () => {
      assert.equal(spec.Image, 'berth/python:latest');
    });
    it('never carries a token anywhere in the create body', () => {
      const s = kernelContainerSpec(target, ['jupyter-server'], options({ env: { A: '1' } }));
      assert.ok(!/token/i.test(JSON.stringify(s)), JSON.stringify(s));
    });
  });

  describe('bindOf', () => {
    it('spells a mount HOST:CONTAINER, with :ro when read-only', () => {
      assert.equal(bindOf({ hostPath: '/a', containerPath: '/b' }), '/a:/b');
      assert.equal(bindOf({ hostPath: '/a', containerPath: '/b', readOnly: true }), '/a:/b:ro');
    });
  });
});
