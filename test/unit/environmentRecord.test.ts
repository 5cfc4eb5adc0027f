import { strict as assert } from 'assert';
import type { ImageInfo } from '../../src/core/docker/engine';
import { buildRecord, describeDrift, readRecord } from '../../src/core/notebook/environmentRecord';

const image = (id: string, digests: string[] = []): ImageInfo => ({ id, tags: ['berth/python:latest'], digests, sizeBytes: 1, createdMs: 0, labels: {} });

describe('environmentRecord', () => {
  it('records the reference, image id, matching repo digest, kernelspec, container-side mounts and start time', () => {
    const record = buildRecord('berth/python:latest', image('sha256:aaa', ['other/x@sha256:1', 'berth/python@sha256:2']), 'python3', [{ hostPath: '/home/me/data', containerPath: '/data', readOnly: true }], Date.UTC(2026, 0, 2));
    assert.deepEqual(record, {
      image: 'berth/python:latest',
      imageId: 'sha256:aaa',
      repoDigest: 'berth/python@sha256:2',
      kernelspec: 'python3',
      mounts: [{ containerPath: '/data', readOnly: true }],
      startedAt: '2026-01-02T00:00:00.000Z',
    });
    assert.equal(JSON.stringify(record).includes('/home/me'), false);
  });

  it('handles a registry port in the reference and an image without digests', () => {
    const record = buildRecord('localhost:5000/py:1', image('sha256:b', ['localhost:5000/py@sha256:9']), 'python3', [], 0);
    assert.equal(record.repoDigest, 'localhost:5000/py@sha256:9');
    assert.equal('repoDigest' in buildRecord('py:1', image('sha256:b'), 'python3', [], 0), false);
  });

  it('reads back what it wrote and rejects malformed metadata', () => {
    const record = buildRecord('berth/python:latest', image('sha256:aaa'), 'python3', [], 0);
    assert.deepEqual(readRecord(JSON.parse(JSON.stringify(record))), record);
    assert.equal(readRecord(undefined), undefined);
    assert.equal(readRecord({ image: 'x' }), undefined);
    assert.equal(readRecord('berth'), undefined);
  });

  it('says nothing when the tag still names the recorded image or is gone', () => {
    const record = buildRecord('berth/python:latest', image('sha256:aaa'), 'python3', [], 0);
    assert.equal(describeDrift(record, image('sha256:aaa')), undefined);
    assert.equal(describeDrift(record, undefined), undefined);
  });

  it('names both image ids (and digests) when the tag now points elsewhere', () => {
    const record = buildRecord('berth/python:latest', image('sha256:aaaaaaaaaaaaaaaa', ['berth/python@sha256:old']), 'python3', [], 0);
    const drift = describeDrift(record, image('sha256:bbbbbbbbbbbbbbbb', ['berth/python@sha256:new']));
    assert.match(drift ?? '', /it was image aaaaaaaaaaaa, it is now bbbbbbbbbbbb \(digest sha256:old → sha256:new\)/);
  });
});
