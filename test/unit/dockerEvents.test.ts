import { strict as assert } from 'assert';
import { toEngineEvent, toImageInfo } from '../../src/adapters/docker/dockerEngine';

describe('docker adapter mapping', () => {
  it('maps an engine event, preferring nanosecond time', () => {
    const e = toEngineEvent({ Type: 'image', Action: 'tag', Actor: { ID: 'sha256:1', Attributes: { name: 'a:1' } }, time: 2, timeNano: 2_500_000_000 });
    assert.deepEqual(e, { type: 'image', action: 'tag', id: 'sha256:1', attributes: { name: 'a:1' }, timeMs: 2500 });
  });

  it('maps an old-style event without Type', () => {
    const e = toEngineEvent({ status: 'untag', id: 'sha256:2', time: 3 });
    assert.deepEqual(e, { type: 'unknown', action: 'untag', id: 'sha256:2', attributes: {}, timeMs: 3000 });
  });

  it('maps an image, dropping the <none> placeholders', () => {
    const i = toImageInfo({
      Id: 'sha256:abc', ParentId: '', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Created: 10, Size: 5,
      VirtualSize: 5, SharedSize: 0, Labels: null as unknown as Record<string, string>, Containers: 0,
    });
    assert.deepEqual(i, { id: 'sha256:abc', tags: [], digests: [], sizeBytes: 5, createdMs: 10_000, labels: {} });
  });
});
