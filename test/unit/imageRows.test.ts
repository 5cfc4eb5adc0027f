import { strict as assert } from 'assert';
import type { ImageInfo } from '../../src/core/docker/engine';
import { formatAge, formatSize, shortId, toImageRows, UNTAGGED_GROUP_ID } from '../../src/core/images/imageRows';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function image(id: string, tags: string[], createdAgoMs = 0, sizeBytes = 1000): ImageInfo {
  return { id: `sha256:${id.padEnd(64, '0')}`, tags, digests: [], sizeBytes, createdMs: NOW - createdAgoMs, labels: {} };
}

describe('image rows', () => {
  it('formats sizes in decimal units like docker images', () => {
    assert.equal(formatSize(0), '0 B');
    assert.equal(formatSize(999), '999 B');
    assert.equal(formatSize(1000), '1 kB');
    assert.equal(formatSize(318_000_000), '318 MB');
    assert.equal(formatSize(117_400_000), '117 MB');
    assert.equal(formatSize(12_340_000), '12.3 MB');
    assert.equal(formatSize(1_500_000_000), '1.5 GB');
  });

  it('formats ages relative to now', () => {
    assert.equal(formatAge(NOW - 3_000, NOW), 'just now');
    assert.equal(formatAge(NOW - 45_000, NOW), '45 seconds ago');
    assert.equal(formatAge(NOW - 60_000, NOW), '1 minute ago');
    assert.equal(formatAge(NOW - 5 * 3600_000, NOW), '5 hours ago');
    assert.equal(formatAge(NOW - 3 * 86400_000, NOW), '3 days ago');
    assert.equal(formatAge(NOW - 400 * 86400_000, NOW), '1 year ago');
    assert.equal(formatAge(NOW + 60_000, NOW), 'just now', 'clock skew must not give negative ages');
  });

  it('shortens image ids to 12 hex digits', () => {
    assert.equal(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
  });

  it('lists one row per tag, sorted by reference', () => {
    const rows = toImageRows([image('b', ['zeta:1']), image('a', ['alpha:latest', 'alpha:2'])], NOW);
    assert.deepEqual(rows.map((r) => r.label), ['alpha:2', 'alpha:latest', 'zeta:1']);
    assert.deepEqual(rows.map((r) => r.id), ['tag:alpha:2', 'tag:alpha:latest', 'tag:zeta:1']);
  });

  it('describes each image by size and age, and names its other tags in the tooltip', () => {
    const [row] = toImageRows([image('a', ['alpha:latest', 'alpha:2'], 2 * 86400_000, 318_000_000)], NOW);
    assert.ok(row.kind === 'image');
    assert.equal(row.description, '318 MB · 2 days ago');
    assert.match(row.tooltip, /Also tagged: alpha:latest/);
    assert.match(row.tooltip, /Image ID: a00000000000/);
  });

  it('groups untagged images in one node after the tagged ones, newest first', () => {
    const rows = toImageRows([image('c', [], 1000), image('d', ['<none>:<none>'], 10), image('e', ['x:1'])], NOW);
    assert.equal(rows.length, 2);
    assert.equal(rows[0].label, 'x:1');
    const group = rows[1];
    assert.equal(group.kind, 'untagged');
    assert.equal(group.id, UNTAGGED_GROUP_ID);
    assert.equal(group.description, '2 images');
    if (group.kind === 'untagged') {
      assert.deepEqual(group.children.map((c) => c.label), ['d00000000000', 'c00000000000']);
    }
  });

  it('shows no untagged group when every image has a tag', () => {
    assert.ok(toImageRows([image('a', ['a:1'])], NOW).every((r) => r.kind === 'image'));
  });
});
