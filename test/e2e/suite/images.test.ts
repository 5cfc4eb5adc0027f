// The Images view's data in the real extension host, against the real Docker Engine.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import type { ImagesState } from '../../../src/core/images/imagesModel';

const KERNEL_IMAGE = 'berth/python:latest';

async function api(): Promise<BerthApi> {
  const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
  assert.ok(ext, 'the Berth extension is not installed in the host');
  return ext.isActive ? ext.exports : await ext.activate();
}

function waitForState(berth: BerthApi, accept: (s: ImagesState) => boolean, what: string, ms = 30000): Promise<ImagesState> {
  return new Promise((resolve, reject) => {
    if (accept(berth.images.state)) return resolve(berth.images.state);
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}; state is ${JSON.stringify(berth.images.state).slice(0, 300)}`));
    }, ms);
    const sub = berth.images.onDidChange((s) => {
      if (accept(s)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
  });
}

const lists = (tag: string) => (s: ImagesState) => s.kind === 'ready' && s.images.some((i) => i.tags.includes(tag));

describe('Images view (extension host)', () => {
  const config = () => vscode.workspace.getConfiguration('berth');
  after(async () => {
    await config().update('docker.host', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('contributes the Berth container with its four views', () => {
    const pkg = vscode.extensions.getExtension('berth.berth')!.packageJSON;
    assert.deepEqual(pkg.contributes.views.berth.map((v: { id: string }) => v.id), ['berth.images', 'berth.kernels', 'berth.cluster', 'berth.docs']);
  });

  it('lists the default kernel image from the real engine', async () => {
    await waitForState(await api(), lists(KERNEL_IMAGE), `${KERNEL_IMAGE} in the Images view`);
  });

  it('turns into the "no Docker Engine" state for a dead socket, and Retry brings the images back', async () => {
    const berth = await api();
    await config().update('docker.host', 'unix:///tmp/berth-e2e-no-engine.sock', vscode.ConfigurationTarget.Workspace);
    const down = await waitForState(berth, (s) => s.kind === 'unreachable', 'the unreachable state');
    assert.equal(down.address, 'unix:///tmp/berth-e2e-no-engine.sock');
    assert.ok(down.kind === 'unreachable' && /ENOENT/.test(down.reason), JSON.stringify(down));

    await config().update('docker.host', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('berth.images.refresh');
    await waitForState(berth, lists(KERNEL_IMAGE), `${KERNEL_IMAGE} after Retry`);
  });
});
