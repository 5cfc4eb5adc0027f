// Push/pull pure parts: references, the default target, Docker config credentials, progress and failures.
import { strict as assert } from 'assert';
import {
  classifyTransferFailure,
  credentialsFor,
  defaultPushTarget,
  normalizeRegistry,
  parseReference,
  TransferProgress,
} from '../../src/core/images/registryTransfer';

describe('image references', () => {
  it('finds the registry only when the first component is a host', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/berth/python:latest'), { registry: '127.0.0.1:5000', path: 'berth/python', tag: 'latest', digest: undefined });
    assert.deepEqual(parseReference('berth/python'), { path: 'berth/python', tag: undefined, digest: undefined });
    assert.deepEqual(parseReference('localhost/x@sha256:abc'), { registry: 'localhost', path: 'x', tag: undefined, digest: 'sha256:abc' });
  });

  it('prefills the push target from berth.registry and the image repo:tag, replacing another registry', () => {
    assert.equal(defaultPushTarget('127.0.0.1:5000', 'berth/python:latest'), '127.0.0.1:5000/berth/python:latest');
    assert.equal(defaultPushTarget('http://127.0.0.1:5000/', 'ghcr.io/org/img:1.2'), '127.0.0.1:5000/org/img:1.2');
    assert.equal(defaultPushTarget('', 'berth/python'), 'berth/python:latest');
    assert.equal(normalizeRegistry('  '), undefined);
  });
});

describe('Docker config credentials', () => {
  const auth = Buffer.from('ann:s3cret:with:colons').toString('base64');
  it('decodes `auth` for the registry, whatever scheme the key has', () => {
    assert.deepEqual(credentialsFor({ auths: { 'http://127.0.0.1:5000': { auth } } }, '127.0.0.1:5000'), {
      auth: { username: 'ann', password: 's3cret:with:colons', serveraddress: '127.0.0.1:5000' },
    });
  });

  it('maps Docker Hub keys to docker.io and prefers an identity token', () => {
    assert.deepEqual(credentialsFor({ auths: { 'https://index.docker.io/v1/': { identitytoken: 'tok' } } }, 'docker.io'), { auth: { identitytoken: 'tok', serveraddress: 'docker.io' } });
  });

  it('reports a credential helper it does not run', () => {
    assert.deepEqual(credentialsFor({ credsStore: 'desktop', auths: { 'ghcr.io': {} } }, 'ghcr.io'), { helper: 'desktop' });
    assert.deepEqual(credentialsFor({ credHelpers: { 'ghcr.io': 'gh' } }, 'ghcr.io'), { helper: 'gh' });
    assert.deepEqual(credentialsFor({ auths: {} }, 'quay.io'), {});
    assert.deepEqual(credentialsFor('nonsense', 'quay.io'), {});
  });
});

describe('transfer progress', () => {
  it('tracks layers and bytes, and picks up the digest', () => {
    const p = new TransferProgress('push');
    p.feed({ status: 'The push refers to repository [127.0.0.1:5000/berth/python]' });
    p.feed({ id: 'aaaaaaaaaaaa', status: 'Preparing' });
    p.feed({ id: 'bbbbbbbbbbbb', status: 'Preparing' });
    p.feed({ id: 'aaaaaaaaaaaa', status: 'Pushing', progressDetail: { current: 5e6, total: 10e6 } });
    p.feed({ id: 'bbbbbbbbbbbb', status: 'Layer already exists' });
    assert.equal(p.summary, '1/2 layers pushed · aaaaaaaaaaaa Pushing 5.0 MB/10.0 MB');
    assert.equal(p.percent, 50);
    p.feed({ id: 'aaaaaaaaaaaa', status: 'Pushed' });
    p.feed({ status: `latest: digest: sha256:${'c'.repeat(64)} size: 1234` });
    assert.equal(p.doneCount, 2);
    assert.equal(p.percent, 100);
    assert.equal(p.digest, `sha256:${'c'.repeat(64)}`);
  });

  it('returns the engine error of a failed message', () => {
    assert.equal(new TransferProgress('pull').feed({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }), 'manifest unknown');
  });
});

describe('transfer failures', () => {
  const classify = (kind: 'push' | 'pull', ref: string, text: string, sentCredentials = false) => classifyTransferFailure(kind, ref, text, { sentCredentials });
  it('no registry answers', () => {
    const e = classify('push', '127.0.0.1:5999/x:1', 'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused');
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.message, 'Push of 127.0.0.1:5999/x:1 failed: no registry answers at 127.0.0.1:5999 (connect: connection refused).');
  });

  it('credentials needed, or refused when Berth sent some', () => {
    assert.equal(classify('push', 'r.io/x:1', 'no basic auth credentials').kind, 'authRequired');
    assert.match(classify('pull', 'r.io/x:1', 'unauthorized: authentication required').message, /needs credentials: run docker login r\.io/);
    assert.equal(classify('pull', 'r.io/x:1', 'unauthorized: authentication required', true).kind, 'authRefused');
    assert.match(classify('push', 'r.io/x:1', 'denied: requested access to the resource is denied', true).message, /refused the credentials/);
  });

  it('a rejected name and a missing manifest', () => {
    assert.equal(classify('pull', 'r.io/X:1', 'invalid reference format: repository name must be lowercase').kind, 'nameRejected');
    const missing = classify('pull', '127.0.0.1:5000/nope:2', 'manifest for 127.0.0.1:5000/nope:2 not found: manifest unknown: manifest unknown');
    assert.equal(missing.kind, 'manifestUnknown');
    assert.equal(missing.message, 'Pull of 127.0.0.1:5000/nope:2 failed: 127.0.0.1:5000 has no image nope:2 (manifest unknown).');
  });
});
