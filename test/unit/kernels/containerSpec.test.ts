import { strict as assert } from 'assert';
import type { KernelTarget, LaunchOptions } from '../../../src/core/kernels/api';
import { DEFAULT_IDLE_TIMEOUT_S, idleShutdownConfig, jupyterConfig, jupyterConfigLoader, kernelLabels, ownerStampOf, workspaceLayout } from '../../../src/core/kernels/containerSpec';

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
const TOKEN = 'f'.repeat(64);

describe('kernel container spec', () => {
  describe('workspaceLayout', () => {
    it('mounts the workspace folder at /workspace and runs in the notebook folder', () => {
      assert.deepEqual(workspaceLayout(options()), { mounts: [{ hostPath: '/ws', containerPath: '/workspace' }], cwd: '/workspace/sub' });
    });
    it('runs in /workspace for a notebook at the workspace root', () => {
      assert.equal(workspaceLayout(options({ notebookPath: '/ws/n.ipynb' })).cwd, '/workspace');
    });
    it('maps nested folders', () => {
      assert.equal(workspaceLayout(options({ notebookPath: '/ws/a/b/c/n.ipynb' })).cwd, '/workspace/a/b/c');
    });
    it('mounts the notebook folder itself when the notebook lies outside the workspace', () => {
      assert.deepEqual(workspaceLayout(options({ notebookPath: '/elsewhere/n.ipynb' })), { mounts: [{ hostPath: '/elsewhere', containerPath: '/workspace' }], cwd: '/workspace' });
    });
    it('does not treat a sibling folder with a common prefix as inside the workspace', () => {
      assert.deepEqual(workspaceLayout(options({ notebookPath: '/ws2/n.ipynb' })).mounts, [{ hostPath: '/ws2', containerPath: '/workspace' }]);
    });
    it('mounts the workspace for an untitled notebook and runs at its root', () => {
      assert.deepEqual(workspaceLayout(options({ notebookPath: undefined })), { mounts: [{ hostPath: '/ws', containerPath: '/workspace' }], cwd: '/workspace' });
    });
    it('mounts nothing for an untitled notebook without a workspace', () => {
      assert.deepEqual(workspaceLayout(options({ notebookPath: undefined, workspaceFolder: undefined })), { mounts: [], cwd: '' });
    });
    it('mounts the notebook folder when there is no workspace', () => {
      assert.deepEqual(workspaceLayout(options({ workspaceFolder: undefined })), { mounts: [{ hostPath: '/ws/sub', containerPath: '/workspace' }], cwd: '/workspace' });
    });
  });

  describe('owner stamp labels', () => {
    it('labels the owner’s host and pid start time, and reads them back', () => {
      const labels = kernelLabels(target, options({ owner: { kind: 'cli', id: 'cli-1', pid: 77, host: '0123456789abcdef', pidStart: 'd1ad374f-987654' } }));
      assert.equal(labels['berth.owner.host'], '0123456789abcdef');
      assert.equal(labels['berth.owner.pidStart'], 'd1ad374f-987654');
      assert.deepEqual(ownerStampOf(labels), { pid: 77, host: '0123456789abcdef', pidStart: 'd1ad374f-987654' });
    });
    it('reads labels from before host labels as a bare pid (taken as this host’s)', () => {
      assert.deepEqual(ownerStampOf({ 'berth.owner.pid': '4242' }), { pid: 4242 });
      assert.ok(Number.isNaN(ownerStampOf({}).pid));
    });
  });

  describe('kernelLabels', () => {
    it('labels the kernel, notebook, owner, keepAlive, image and kernelspec', () => {
      assert.deepEqual(kernelLabels(target, options({ keepAlive: true })), {
        'berth.kernel': 'docker',
        'berth.notebook': 'file:///ws/sub/n.ipynb',
        'berth.owner': 'window-1',
        'berth.owner.kind': 'vscode',
        'berth.owner.pid': '4242',
        'berth.keepAlive': 'true',
        'berth.image': 'berth/python:latest',
        'berth.kernelspec': 'python3',
      });
    });
  });

  describe('jupyterConfig', () => {
    const config = JSON.parse(jupyterConfig(TOKEN, '/workspace/sub'));
    it('sets the token for jupyter_server 1.x, 2.x and the classic notebook server', () => {
      assert.equal(config.ServerApp.token, TOKEN);
      assert.equal(config.IdentityProvider.token, TOKEN);
      assert.equal(config.NotebookApp.token, TOKEN);
    });
    it('listens on all container interfaces on 8888 without trying other ports', () => {
      assert.equal(config.ServerApp.ip, '*');
      assert.equal(config.NotebookApp.ip, '*');
      assert.equal(config.ServerApp.port, 8888);
      assert.equal(config.ServerApp.port_retries, 0);
    });
    it('never opens a browser and allows root (many images run as root)', () => {
      assert.equal(config.ServerApp.open_browser, false);
      assert.equal(config.ServerApp.allow_root, true);
      assert.equal(config.NotebookApp.allow_root, true);
    });
    it('turns off the IOPub rate limits that drop output, for both server kinds', () => {
      for (const app of [config.ServerApp, config.NotebookApp]) {
        assert.equal(app.iopub_data_rate_limit, 0);
        assert.equal(app.iopub_msg_rate_limit, 0);
      }
    });
    it('roots the server at the notebook folder for both server kinds', () => {
      assert.equal(config.ServerApp.root_dir, '/workspace/sub');
      assert.equal(config.NotebookApp.notebook_dir, '/workspace/sub');
      assert.ok(!('root_dir' in config.NotebookApp));
    });
    it('leaves the root alone when there is no folder', () => {
      const c = JSON.parse(jupyterConfig(TOKEN, ''));
      assert.ok(!('root_dir' in c.ServerApp));
      assert.ok(!('notebook_dir' in c.NotebookApp));
    });
  });

  describe('idle shutdown', () => {
    it('culls kernels idle with no client, never busy or connected ones, then stops the server, by default after an hour', () => {
      const c = JSON.parse(jupyterConfig(TOKEN, ''));
      assert.equal(DEFAULT_IDLE_TIMEOUT_S, 3600);
      assert.deepEqual(c.MappingKernelManager, { cull_idle_timeout: 3600, cull_interval: 300, cull_connected: false, cull_busy: false });
      assert.equal(c.ServerApp.shutdown_no_activity_timeout, 3600);
      assert.equal(c.NotebookApp.shutdown_no_activity_timeout, 3600);
    });
    it('checks often enough for a short timeout', () => {
      assert.deepEqual(idleShutdownConfig(60).kernelManager, { cull_idle_timeout: 60, cull_interval: 30, cull_connected: false, cull_busy: false });
      assert.equal(idleShutdownConfig(1).kernelManager?.cull_interval, 1);
      assert.equal(idleShutdownConfig(2.5).server.shutdown_no_activity_timeout, 3);
    });
    it('turns idle shutdown off for 0 (and for nonsense)', () => {
      for (const t of [0, -5, Number.NaN]) {
        const c = JSON.parse(jupyterConfig(TOKEN, '', t));
        assert.ok(!('MappingKernelManager' in c));
        assert.ok(!('shutdown_no_activity_timeout' in c.ServerApp));
        assert.ok(!('shutdown_no_activity_timeout' in c.NotebookApp));
      }
    });
  });

  describe('jupyterConfigLoader', () => {
    const loader = jupyterConfigLoader();
    it('loads the JSON config written beside it, and holds no token itself', () => {
      assert.match(loader, /"jupyter_berth_config\.json"/);
      assert.match(loader, /c\.merge\(_Config\(_json\.load\(_f\)\)\)/);
      assert.ok(!loader.includes(TOKEN));
    });
    it('lifts the receive high-water mark of the server\'s IOPub (SUB) sockets before they connect', () => {
      assert.match(loader, /if socket_type == _zmq\.SUB:\n\s+sock\.setsockopt\(_zmq\.RCVHWM, 0\)/);
    });
  });
});
