import { strict as assert } from 'assert';
import { hostIdFrom, linuxStartStamp, psStartStamp } from '../../../src/core/kernels/hostStamps';
import { isLapsed, isLapsedProbe, NEVER_STARTED_AFTER_MS, ownerLiveness, PROBE_STUCK_AFTER_MS, type OwnedResource, type ThisHost } from '../../../src/core/kernels/ownerLiveness';

const NOW = 5_000_000_000;
// This host runs pid 100 (started at b1-500) and pid 200 (start unknown: a platform that cannot tell).
const here: ThisHost = {
  id: 'host-a',
  process: (pid) => (pid === 100 ? { running: true, start: 'b1-500' } : pid === 200 ? { running: true } : { running: false }),
};
const resource = (over: Partial<OwnedResource> = {}): OwnedResource => ({ owner: { host: 'host-a', pid: 100, pidStart: 'b1-500' }, state: 'running', keepAlive: false, createdAtMs: NOW - 1000, ...over });

describe('owner liveness', () => {
  describe('ownerLiveness', () => {
    it('an owner on this host is alive while its pid runs with the same start time', () => {
      assert.equal(ownerLiveness({ host: 'host-a', pid: 100, pidStart: 'b1-500' }, here), 'alive');
    });
    it('an owner on this host is gone when its pid no longer runs', () => {
      assert.equal(ownerLiveness({ host: 'host-a', pid: 7, pidStart: 'b1-1' }, here), 'gone');
    });
    it('an owner on this host is gone when its pid was reused by a process that started later', () => {
      assert.equal(ownerLiveness({ host: 'host-a', pid: 100, pidStart: 'b1-499' }, here), 'gone');
    });
    it('the pid alone decides when either start time is unknown', () => {
      assert.equal(ownerLiveness({ host: 'host-a', pid: 100 }, here), 'alive');
      assert.equal(ownerLiveness({ host: 'host-a', pid: 200, pidStart: 'b1-9' }, here), 'alive');
    });
    it('an owner on another host is never judged by this host’s pids, dead pid or live', () => {
      assert.equal(ownerLiveness({ host: 'host-b', pid: 7, pidStart: 'x' }, here), 'other-host');
      assert.equal(ownerLiveness({ host: 'host-b', pid: 100, pidStart: 'b1-500' }, here), 'other-host');
    });
    it('an owner without a host label (from before host labels) is taken as this host’s', () => {
      assert.equal(ownerLiveness({ pid: 100 }, here), 'alive');
      assert.equal(ownerLiveness({ pid: 7 }, here), 'gone');
    });
    it('a missing or garbled pid is gone', () => {
      assert.equal(ownerLiveness({ host: 'host-a', pid: Number.NaN }, here), 'gone');
      assert.equal(ownerLiveness({ pid: 0 }, here), 'gone');
      assert.equal(ownerLiveness({ pid: 1.5 }, here), 'gone');
    });
  });

  describe('isLapsed', () => {
    it('keeps a running resource of a live owner', () => {
      assert.equal(isLapsed(resource(), here, NOW), false);
    });
    it('lapses a running resource of this host whose owner is gone, unless kept alive', () => {
      assert.equal(isLapsed(resource({ owner: { host: 'host-a', pid: 7 } }), here, NOW), true);
      assert.equal(isLapsed(resource({ owner: { host: 'host-a', pid: 7 }, keepAlive: true }), here, NOW), false);
    });
    it('never lapses another host’s running resource, whatever its pid', () => {
      assert.equal(isLapsed(resource({ owner: { host: 'host-b', pid: 7 } }), here, NOW), false);
    });
    it('lapses a finished resource of any host, kept alive or not', () => {
      assert.equal(isLapsed(resource({ state: 'finished', owner: { host: 'host-b', pid: 7 }, keepAlive: true }), here, NOW), true);
      assert.equal(isLapsed(resource({ state: 'finished' }), here, NOW), true);
    });
    it('keeps a just-created resource of a live or unknown owner (it is about to start)', () => {
      assert.equal(isLapsed(resource({ state: 'created' }), here, NOW), false);
      assert.equal(isLapsed(resource({ state: 'created', owner: { host: 'host-b', pid: 7 } }), here, NOW), false);
    });
    it('lapses a resource only ever created, for longer than any start takes, on any host', () => {
      const old = NOW - NEVER_STARTED_AFTER_MS - 1;
      assert.equal(isLapsed(resource({ state: 'created', createdAtMs: old, owner: { host: 'host-b', pid: 7 } }), here, NOW), true);
      assert.equal(isLapsed(resource({ state: 'created', createdAtMs: NOW - NEVER_STARTED_AFTER_MS + 1000, owner: { host: 'host-b', pid: 7 } }), here, NOW), false);
    });
  });

  describe('isLapsedProbe', () => {
    const probe = (over: Partial<OwnedResource> = {}) => ({ owner: { host: 'host-a', pid: 100, pidStart: 'b1-500' }, state: 'running' as const, createdAtMs: NOW - 1000, ...over });
    it('keeps a probe in progress of a live prober, removes one whose prober is gone', () => {
      assert.equal(isLapsedProbe(probe(), here, NOW), false);
      assert.equal(isLapsedProbe(probe({ state: 'created', owner: { host: 'host-a', pid: 7 } }), here, NOW), true);
    });
    it('keeps another host’s probe in progress', () => {
      assert.equal(isLapsedProbe(probe({ owner: { host: 'host-b', pid: 7 } }), here, NOW), false);
    });
    it('removes an exited probe without owner labels (from a Berth before them)', () => {
      assert.equal(isLapsedProbe(probe({ owner: { pid: Number.NaN }, state: 'finished' }), here, NOW), true);
    });
    it('keeps a running probe without owner labels until it has run far longer than any probe', () => {
      assert.equal(isLapsedProbe(probe({ owner: { pid: Number.NaN } }), here, NOW), false);
      assert.equal(isLapsedProbe(probe({ owner: { pid: Number.NaN }, createdAtMs: NOW - PROBE_STUCK_AFTER_MS - 1 }), here, NOW), true);
    });
  });

  describe('host stamps', () => {
    it('hashes the machine id and pid namespace into 16 label-safe hex digits, never showing the machine id', () => {
      const id = hostIdFrom('3d1219c7c4c5404aaa1f6d2a48adfda4\n', 'pid:[4026531836]');
      assert.match(id, /^[0-9a-f]{16}$/);
      assert.equal(id, hostIdFrom('3d1219c7c4c5404aaa1f6d2a48adfda4', 'pid:[4026531836]'));
      assert.ok(!'3d1219c7c4c5404aaa1f6d2a48adfda4'.includes(id));
    });
    it('gives two pid namespaces on one machine different identities', () => {
      assert.notEqual(hostIdFrom('m', 'pid:[4026531836]'), hostIdFrom('m', 'pid:[4026532501]'));
      assert.notEqual(hostIdFrom('m1', 'pid:[1]'), hostIdFrom('m2', 'pid:[1]'));
    });
    it('reads the start time (field 22) of /proc/PID/stat, also when the command name has spaces and parentheses', () => {
      const rest = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21';
      assert.equal(linuxStartStamp(`42 (node) ${rest}`, 'd1ad374f-bd6c-4e81'), 'd1ad374f-987654');
      assert.equal(linuxStartStamp(`42 (we (ird) name) ${rest}`, 'd1ad374f-bd6c'), 'd1ad374f-987654');
      assert.equal(linuxStartStamp(`42 (node) ${rest}`, ''), '987654');
      assert.equal(linuxStartStamp('garbage', 'b'), undefined);
      assert.equal(linuxStartStamp('42 (x) S 1', 'b'), undefined);
    });
    it('stamps a ps start time as a short label-safe hash, ignoring spacing', () => {
      assert.match(psStartStamp('Tue Dec  1 23:51:24 2026\n') ?? '', /^ps-[0-9a-f]{12}$/);
      assert.equal(psStartStamp('Tue Dec  1 23:51:24 2026'), psStartStamp('Tue Dec 1 23:51:24 2026'));
      assert.equal(psStartStamp('  '), undefined);
    });
  });
});
