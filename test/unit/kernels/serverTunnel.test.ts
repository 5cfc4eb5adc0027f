import { strict as assert } from 'assert';
import { ExecFrameDecoder, forwarderCommand } from '../../../src/adapters/docker/execTunnel';
import { tunnelKindFor } from '../../../src/adapters/docker/serverTunnel';
import { sshConnectConfig } from '../../../src/adapters/docker/sshTunnel';
import { checkPlan, folderToCopy, missingOnEngineMessage, withoutWorkspaceBind } from '../../../src/adapters/docker/remoteWorkspace';

describe('kernel server tunnels', () => {
  describe('tunnelKindFor', () => {
    it('uses the published loopback port on a local socket, where the engine\'s loopback is this machine\'s', () => {
      assert.equal(tunnelKindFor('socket'), 'published-port');
    });

    it('forwards over SSH on an ssh:// engine', () => {
      assert.equal(tunnelKindFor('ssh'), 'ssh');
    });

    it('relays through an exec in the container on a tcp:// engine, where no port of the remote can be reached', () => {
      assert.equal(tunnelKindFor('tcp'), 'exec');
    });

    it('takes the exec forwarder on any engine when asked (it needs only the API)', () => {
      assert.equal(tunnelKindFor('socket', 'exec'), 'exec');
      assert.equal(tunnelKindFor('ssh', 'exec'), 'exec');
    });

    it('ignores an override that cannot work there: a published port of a remote, SSH without SSH', () => {
      assert.equal(tunnelKindFor('tcp', 'published-port'), 'exec');
      assert.equal(tunnelKindFor('ssh', 'published-port'), 'ssh');
      assert.equal(tunnelKindFor('tcp', 'ssh'), 'exec');
    });
  });

  describe('ExecFrameDecoder', () => {
    const frame = (type: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };

    it('splits stdout from stderr', () => {
      const seen: string[] = [];
      const decoder = new ExecFrameDecoder((stream, payload) => seen.push(`${stream}:${payload.toString()}`));
      decoder.push(Buffer.concat([frame(1, 'HTTP/1.1 200'), frame(2, 'oops'), frame(1, ' OK')]));
      assert.deepEqual(seen, ['stdout:HTTP/1.1 200', 'stderr:oops', 'stdout: OK']);
    });

    it('reassembles frames cut anywhere, header included', () => {
      const all = Buffer.concat([frame(1, 'abc'), frame(1, 'defgh')]);
      const seen: string[] = [];
      const decoder = new ExecFrameDecoder((_, payload) => seen.push(payload.toString()));
      for (let i = 0; i < all.length; i++) decoder.push(all.subarray(i, i + 1));
      assert.deepEqual(seen, ['abc', 'defgh']);
    });

    it('passes bytes through unchanged (the stream is binary, e.g. websocket frames)', () => {
      const bytes = Buffer.from([0, 255, 10, 13, 27, 3]);
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(bytes.length, 4);
      let got: Buffer | undefined;
      new ExecFrameDecoder((_, payload) => (got = payload)).push(Buffer.concat([header, bytes]));
      assert.deepEqual(got, bytes);
    });
  });

  it('runs the forwarder with python3 or python, the port as its argument', () => {
    const argv = forwarderCommand(8888);
    assert.equal(argv[0], '/bin/sh');
    assert.match(argv[2], /python3 -c "\$0" "\$1".*python -c "\$0" "\$1"/);
    assert.equal(argv[4], '8888');
  });

  it('connects over SSH with what the Docker client connects with, plus a handshake timeout and keepalives', () => {
    const config = sshConnectConfig({ host: 'gpu-box', port: '2222', username: 'ada', sshOptions: { agent: '/tmp/agent.sock' } });
    assert.equal(config.host, 'gpu-box');
    assert.equal(config.port, 2222);
    assert.equal(config.username, 'ada');
    assert.equal(config.agent, '/tmp/agent.sock');
    assert.equal(config.password, undefined);
    assert.ok((config.readyTimeout ?? 0) > 0);
    assert.ok((config.keepaliveInterval ?? 0) > 0);
  });
});

describe('workspace mounts on a remote engine', () => {
  it('finds the notebook inside the mount that holds it', () => {
    const plan = checkPlan([{ hostPath: '/home/ada/data', containerPath: '/data' }, { hostPath: '/home/ada/project', containerPath: '/workspace' }], '/home/ada/project/nb/a.ipynb');
    assert.deepEqual(plan, { targets: ['/berth-check/0', '/berth-check/1'], notebookInCheck: '/berth-check/1/nb/a.ipynb' });
  });

  it('checks only the mounts when the notebook is in none of them (untitled, or outside)', () => {
    assert.deepEqual(checkPlan([{ hostPath: '/w', containerPath: '/workspace' }], undefined), { targets: ['/berth-check/0'] });
    assert.deepEqual(checkPlan([{ hostPath: '/w', containerPath: '/workspace' }], '/elsewhere/a.ipynb'), { targets: ['/berth-check/0'] });
  });

  it('says which folder is missing on which host, and what to do', () => {
    const message = missingOnEngineMessage('/home/ada/project', 'ssh://ada@gpu-box');
    assert.match(message, /^The folder \/home\/ada\/project is not on the Docker host ssh:\/\/ada@gpu-box: /);
    assert.match(message, /Put the folder there at the same path/);
  });

  it('drops only the workspace\'s bind when its folder is copied in instead', () => {
    const options = { workspaceFolder: '/home/ada/project', notebookPath: '/home/ada/project/nb/a.ipynb' };
    const spec = { Image: 'x', HostConfig: { Init: true, Binds: ['/home/ada/project:/workspace', '/data:/data:ro'] } };
    assert.deepEqual(withoutWorkspaceBind(spec, options), { Image: 'x', HostConfig: { Init: true, Binds: ['/data:/data:ro'] } });
  });

  it('copies the notebook\'s folder, or the workspace folder of an untitled notebook', () => {
    assert.equal(folderToCopy({ workspaceFolder: '/w', notebookPath: '/w/nb/a.ipynb' }), '/w/nb');
    assert.equal(folderToCopy({ workspaceFolder: '/w' }), '/w');
    assert.equal(folderToCopy({}), undefined);
  });
});
