import { strict as assert } from 'assert';
import { resolveDockerHost } from '../../src/adapters/docker/dockerHost';

describe('docker host resolution', () => {
  it('prefers the setting over DOCKER_HOST', () => {
    const r = resolveDockerHost('unix:///tmp/a.sock', { DOCKER_HOST: 'unix:///tmp/b.sock' });
    assert.deepEqual(r, { address: 'unix:///tmp/a.sock', kind: 'socket', options: { socketPath: '/tmp/a.sock' } });
  });

  it('falls back to DOCKER_HOST, then the default socket', () => {
    assert.equal(resolveDockerHost('', { DOCKER_HOST: 'unix:///tmp/b.sock' }).options.socketPath, '/tmp/b.sock');
    assert.equal(resolveDockerHost(undefined, {}).options.socketPath, '/var/run/docker.sock');
    assert.equal(resolveDockerHost('  ', {}).address, 'unix:///var/run/docker.sock');
  });

  it('accepts a bare socket path', () => {
    assert.deepEqual(resolveDockerHost('/run/user/1000/docker.sock', {}).options, { socketPath: '/run/user/1000/docker.sock' });
  });

  it('maps tcp:// to http, or https when DOCKER_TLS_VERIFY is set', () => {
    assert.deepEqual(resolveDockerHost('tcp://127.0.0.1:2375', {}).options, { host: '127.0.0.1', port: 2375, protocol: 'http' });
    assert.deepEqual(resolveDockerHost('tcp://docker.local', { DOCKER_TLS_VERIFY: '1' }).options, { host: 'docker.local', port: 2376, protocol: 'https' });
  });

  it('maps ssh:// with user and port', () => {
    const { sshOptions, ...rest } = resolveDockerHost('ssh://me@box:2222', {}).options;
    assert.deepEqual(rest, { host: 'box', port: 2222, username: 'me', protocol: 'ssh' });
    assert.equal(typeof sshOptions?.hostVerifier, 'function', 'the host key is checked (ssh2 alone accepts any)');
  });

  it('authenticates ssh:// with the SSH agent of SSH_AUTH_SOCK, as the docker CLI does, and logs in as the local user by default', () => {
    const r = resolveDockerHost('ssh://gpu-box', { SSH_AUTH_SOCK: '/tmp/agent.sock', USER: 'ada' });
    const { sshOptions, ...rest } = r.options;
    assert.deepEqual(rest, { host: 'gpu-box', port: 22, username: 'ada', protocol: 'ssh' });
    assert.equal(sshOptions?.agent, '/tmp/agent.sock');
  });

  it('tells local sockets from ssh:// and tcp:// engines (the kernels of the last two need a tunnel)', () => {
    assert.equal(resolveDockerHost('/run/docker.sock', {}).kind, 'socket');
    assert.equal(resolveDockerHost('npipe:////./pipe/docker_engine', {}).kind, 'socket');
    assert.equal(resolveDockerHost('ssh://me@box', {}).kind, 'ssh');
    assert.equal(resolveDockerHost('tcp://box:2376', {}).kind, 'tcp');
    assert.equal(resolveDockerHost('https://box:2376', {}).kind, 'tcp');
  });

  it('rejects unknown schemes and garbage with a readable message', () => {
    assert.throws(() => resolveDockerHost('ftp://x', {}), /Unsupported Docker host scheme "ftp:"/);
    assert.throws(() => resolveDockerHost('not a host', {}), /is not a Docker host address/);
  });
});
