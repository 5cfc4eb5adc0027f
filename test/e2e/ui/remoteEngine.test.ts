// A notebook on a remote Docker engine, as a user meets it in the workbench (Playwright, the packaged .vsix):
// `berth.docker.host` is `ssh://root@REMOTE:2222`, and the VS Code server with its extension host runs in the
// client's network namespace (test/support/remoteMachine.ts), where 127.0.0.1 is not the engine's loopback, so every
// cell goes through Berth's SSH tunnel. A cell runs in a container on that engine; the SSH connection is killed and
// the next cell still sees the kernel's state; a window reload re-attaches to the same container through a new
// tunnel; closing the notebook removes the container. Screenshots go to $BERTH_SHOTS.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import { CLIENT_IP, NAMESPACE, setUpRemote, tearDownRemote, type RemoteMachine } from '../../support/remoteMachine';
import { eventually as pollUntil, openWorkbench, type Workbench } from './workbench';
import { berthKernelSelected, command, notificationsText, openNotebook, outputText, runCell } from './notebookUi';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, ms = 90000): Promise<T> => pollUntil(probe, what, ms, 300);

describe('A remote Docker engine over ssh:// in the workbench (Playwright; the host in the client\'s network namespace)', function () {
  this.timeout(600000);
  let remote: RemoteMachine | undefined;
  let wb: Workbench | undefined;
  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await wb?.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const containers = async () => (await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } })).filter((c) => (c.Labels['berth.notebook'] ?? '').includes(wb?.workspace ?? '\0'));

  before(async function () {
    this.timeout(240000);
    remote = await setUpRemote();
    wb = await openWorkbench('remote-ui', {
      settings: { 'berth.docker.host': remote.sshHost, 'notebook.kernelPicker.type': 'all', 'workbench.editor.enablePreview': false, 'remote.autoForwardPorts': false },
      env: { ...remote.clientEnv },
      netns: { name: NAMESPACE, address: CLIENT_IP },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(`remote-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    // Whatever happened: no container of this workspace, and no namespace, veth pair or sshd.
    const ours = await containers().catch(() => []);
    await wb?.close();
    for (const c of ours) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    await tearDownRemote();
  });

  it('runs a cell in a container on the ssh:// engine, reached only through the tunnel', async () => {
    const { page } = wb!;
    await openNotebook(page, 'reload.ipynb');
    await berthKernelSelected(page);
    await runCell(page, 0);
    await eventually(async () => (/x set/.test(await outputText(page)) ? true : undefined), 'the output of x = 42');
    const [container] = await eventually(async () => {
      const list = await containers();
      return list.length === 1 ? list : undefined;
    }, 'one kernel container on the engine');
    // Published on the engine's loopback only; the extension host cannot reach that from its namespace.
    assert.deepEqual(container.Ports.map((p) => p.IP), ['127.0.0.1']);
    await shot('remote-ssh-cell');
    // The engine answered from the start, however slow its first SSH connection: no window said otherwise.
    const notifications = await notificationsText(page);
    assert.doesNotMatch(notifications, /No Docker Engine answers|No local image can serve Jupyter|unreachable/i, notifications);
  });

  it('the SSH connection killed: the next cell prints x from before (the tunnel is made again, the kernel is the same)', async () => {
    const { page } = wb!;
    const [before] = await containers();
    assert.ok(remote!.killSshConnections() > 0, 'the extension host had no SSH connection to kill');
    await runCell(page, 1);
    await eventually(async () => (/^42$/m.test(await outputText(page)) ? true : undefined), 'print(x) after the SSH connection was killed');
    assert.deepEqual((await containers()).map((c) => c.Id), [before.Id]);
    await shot('remote-ssh-after-kill');
  });

  it('re-attaches to the same container after a window reload, through a new tunnel', async () => {
    const { page } = wb!;
    const [before] = await containers();
    // Clear the outputs so that the 42 waited for below is the new cell's.
    await command(page, 'Notebook: Clear All Outputs');
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await openNotebook(page, 'reload.ipynb');
    await berthKernelSelected(page);
    await runCell(page, 1);
    await eventually(async () => (/^42$/m.test(await outputText(page)) ? true : undefined), 'print(x) after the reload');
    assert.deepEqual((await containers()).map((c) => c.Id), [before.Id], 'the reloaded window must re-attach to the same container');
    await shot('remote-ssh-after-reload');
  });

  it('closing the notebook removes its container on the engine', async () => {
    const { page } = wb!;
    await command(page, 'File: Save All Files');
    await command(page, 'View: Close All Editors');
    await eventually(async () => ((await containers()).length === 0 ? true : undefined), 'the kernel container to be removed');
  });
});
