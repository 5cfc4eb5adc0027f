import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { checkHostKey, hostFieldMatches, hostKeyRefusal, keyTypeOf, knownHostsName } from '../../../src/core/ssh/knownHosts';

/** An SSH public key blob as servers send it: string type, string key. */
function blob(type: string, fill: number): Buffer {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from(type)), str(Buffer.alloc(32, fill))]);
}
const A = blob('ssh-ed25519', 1);
const B = blob('ssh-ed25519', 2);
const R = blob('ecdsa-sha2-nistp256', 3);
const line = (hosts: string, key: Buffer, marker = '') => `${marker ? `${marker} ` : ''}${hosts} ${keyTypeOf(key)} ${key.toString('base64')} comment`;
const file = (...lines: string[]) => [{ path: '/home/ada/.ssh/known_hosts', text: lines.join('\n') }];

describe('known_hosts check (as OpenSSH reads the file)', () => {
  it('names a host as known_hosts lists it: bare on port 22, [host]:port otherwise, lower case', () => {
    assert.equal(knownHostsName('GPU-Box', 22), 'gpu-box');
    assert.equal(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
    assert.equal(keyTypeOf(A), 'ssh-ed25519');
    assert.equal(keyTypeOf(Buffer.alloc(2)), 'unknown');
  });

  it('accepts the listed key, by plain name, pattern list, wildcard or hashed name', () => {
    assert.equal(checkHostKey(file(line('gpu-box', A)), 'gpu-box', 22, A).kind, 'known');
    assert.equal(checkHostKey(file(line('other,gpu-box,10.0.0.9', A)), 'gpu-box', 22, A).kind, 'known');
    assert.equal(checkHostKey(file(line('*.lab', A)), 'gpu.lab', 22, A).kind, 'known');
    assert.equal(checkHostKey(file(line('gpu-?', A)), 'gpu-7', 22, A).kind, 'known');
    const salt = Buffer.alloc(20, 9);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[gpu-box]:2222').digest('base64')}`;
    assert.deepEqual(checkHostKey(file('# a comment', '', line(hashed, A)), 'gpu-box', 2222, A), { kind: 'known', path: '/home/ada/.ssh/known_hosts', line: 3 });
  });

  it('does not take a key listed for port 22 as the key of another port, nor a negated host', () => {
    assert.equal(checkHostKey(file(line('gpu-box', A)), 'gpu-box', 2222, A).kind, 'unknown');
    assert.equal(checkHostKey(file(line('*.lab,!gpu.lab', A)), 'gpu.lab', 22, A).kind, 'unknown');
    assert.equal(hostFieldMatches('|1|bad', 'x'), false);
  });

  it('calls a host unknown when nothing lists it, and changed when it is listed with another key of the same type', () => {
    assert.deepEqual(checkHostKey(file(line('elsewhere', A)), 'gpu-box', 22, A), { kind: 'unknown', keyType: 'ssh-ed25519' });
    assert.deepEqual(checkHostKey(file(line('gpu-box', B)), 'gpu-box', 22, A), { kind: 'changed', keyType: 'ssh-ed25519', path: '/home/ada/.ssh/known_hosts', line: 1 });
    // Only a key of another type listed: OpenSSH asks (unknown), it does not cry wolf.
    assert.equal(checkHostKey(file(line('gpu-box', R)), 'gpu-box', 22, A).kind, 'unknown');
    // One matching line is enough, even after a stale one (as OpenSSH).
    assert.equal(checkHostKey(file(line('gpu-box', B), line('gpu-box', A)), 'gpu-box', 22, A).kind, 'known');
  });

  it('refuses a revoked key even when it is also listed, and ignores @cert-authority lines', () => {
    assert.equal(checkHostKey(file(line('gpu-box', A), line('*', A, '@revoked')), 'gpu-box', 22, A).kind, 'revoked');
    assert.equal(checkHostKey(file(line('gpu-box', A, '@cert-authority')), 'gpu-box', 22, A).kind, 'unknown');
  });

  it('reads every file in order (user, then system)', () => {
    const files = [{ path: '/u', text: '' }, { path: '/etc/ssh/ssh_known_hosts', text: line('gpu-box', A) }];
    assert.deepEqual(checkHostKey(files, 'gpu-box', 22, A), { kind: 'known', path: '/etc/ssh/ssh_known_hosts', line: 1 });
  });

  it('says what to do: accept an unknown key once with ssh, never connect on a changed or revoked one', () => {
    assert.equal(hostKeyRefusal({ kind: 'known', path: '/k', line: 1 }, 'h', 22), undefined);
    assert.match(hostKeyRefusal({ kind: 'unknown', keyType: 'ssh-ed25519' }, 'gpu-box', 2222, 'ada')!, /\[gpu-box\]:2222 \(ssh-ed25519\) is not in known_hosts.*`ssh ada@gpu-box -p 2222`/);
    assert.match(hostKeyRefusal({ kind: 'changed', keyType: 'ssh-ed25519', path: '/k', line: 4 }, 'gpu-box', 22)!, /does not match the ssh-ed25519 key in \/k line 4.*intercepting.*will not connect/);
    assert.match(hostKeyRefusal({ kind: 'revoked', path: '/k', line: 2 }, 'gpu-box', 22)!, /@revoked in \/k line 2/);
  });
});
