// Which kubeconfig files Berth reads and how they merge: kubectl's rules (client-go's loader).
import { strict as assert } from 'assert';
import { KubeconfigError, kubeconfigSource, mergeKubeconfigs, singleContextDocument, tokenExpiryMs } from '../../../src/core/kubernetes/kubeconfig';

const HOME = '/home/ann';

function jwt(claims: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;
}

const fileA = `
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: shared
  cluster: { server: https://a.example:6443, certificate-authority: pki/ca.crt }
users:
- name: ann
  user:
    client-certificate: pki/ann.crt
    client-key: /abs/ann.key
    exec: { command: ./bin/helper, args: [token] }
- name: bob
  user: { exec: { command: kubelogin } }
contexts:
- name: a
  context: { cluster: shared, user: ann, namespace: team-a }
`;

const fileB = `
current-context: b
clusters:
- name: shared
  cluster: { server: https://b.example:6443 }
- name: other
  cluster: { server: https://other.example }
users:
- name: carl
  user: { tokenFile: token.txt }
contexts:
- name: a
  context: { cluster: other, user: carl }
- name: b
  context: { cluster: other, user: carl }
- name: broken
  context: { cluster: nowhere, user: carl }
`;

describe('kubeconfig: which files', () => {
  it('uses the setting first, with ~ expanded', () => {
    assert.deepEqual(kubeconfigSource('~/k/config', { KUBECONFIG: '/x' }, HOME), { origin: 'setting', paths: ['/home/ann/k/config'] });
  });

  it('splits KUBECONFIG on the path delimiter, dropping empty and repeated entries', () => {
    assert.deepEqual(kubeconfigSource('', { KUBECONFIG: '/a:/b::/a' }, HOME, ':'), { origin: 'KUBECONFIG', paths: ['/a', '/b'] });
  });

  it('falls back to ~/.kube/config', () => {
    assert.deepEqual(kubeconfigSource(undefined, {}, HOME), { origin: 'default', paths: ['/home/ann/.kube/config'] });
    assert.deepEqual(kubeconfigSource('  ', { KUBECONFIG: '' }, HOME), { origin: 'default', paths: ['/home/ann/.kube/config'] });
  });
});

describe('kubeconfig: merging like kubectl', () => {
  const source = { origin: 'KUBECONFIG' as const, paths: ['/cfg/a.yaml', '/cfg2/b.yaml'] };
  const merged = mergeKubeconfigs(source, [
    { path: '/cfg/a.yaml', text: fileA },
    { path: '/cfg2/b.yaml', text: fileB },
  ]);

  it('keeps the first definition of each cluster, user and context name', () => {
    assert.equal(merged.clusters.get('shared')?.server, 'https://a.example:6443');
    const a = merged.contexts.find((c) => c.name === 'a');
    assert.deepEqual({ cluster: a?.cluster, user: a?.user, namespace: a?.namespace }, { cluster: 'shared', user: 'ann', namespace: 'team-a' });
    assert.deepEqual(
      merged.contexts.map((c) => c.name),
      ['a', 'b', 'broken'],
    );
  });

  it('takes current-context from the first file that sets it', () => {
    assert.equal(merged.currentContext, 'a');
  });

  it('resolves relative paths against the file that holds them, exec commands only when they are paths', () => {
    assert.equal(merged.clusters.get('shared')?.['certificate-authority'], '/cfg/pki/ca.crt');
    const ann = merged.users.get('ann');
    assert.equal(ann?.['client-certificate'], '/cfg/pki/ann.crt');
    assert.equal(ann?.['client-key'], '/abs/ann.key');
    assert.equal(ann?.exec?.command, '/cfg/bin/helper');
    assert.equal(merged.users.get('bob')?.exec?.command, 'kubelogin');
    assert.equal(merged.users.get('carl')?.tokenFile, '/cfg2/token.txt');
  });

  it('marks a context whose cluster is defined nowhere, and refuses to build it', () => {
    const broken = merged.contexts.find((c) => c.name === 'broken');
    assert.match(broken?.problem ?? '', /cluster "nowhere", which no kubeconfig file defines/);
    assert.throws(() => singleContextDocument(merged, 'broken'), /cannot be used/);
  });

  it('builds a one-context document with only that context, its cluster and its user', () => {
    const doc = singleContextDocument(merged, 'b');
    assert.equal(doc['current-context'], 'b');
    assert.deepEqual(doc.clusters.map((c) => c.name), ['other']);
    assert.deepEqual(doc.users.map((u) => u.name), ['carl']);
    assert.deepEqual(doc.contexts.map((c) => c.name), ['b']);
  });

  it('skips missing files from KUBECONFIG but not a missing file named in the setting', () => {
    const m = mergeKubeconfigs(source, [
      { path: '/cfg/a.yaml', text: undefined },
      { path: '/cfg2/b.yaml', text: fileB },
    ]);
    assert.deepEqual(m.missing, ['/cfg/a.yaml']);
    assert.equal(m.currentContext, 'b');
    assert.throws(() => mergeKubeconfigs({ origin: 'setting', paths: ['/nope'] }, [{ path: '/nope', text: undefined }]), KubeconfigError);
  });

  it('names the file that is not YAML or not a mapping', () => {
    assert.throws(() => mergeKubeconfigs(source, [{ path: '/bad.yaml', text: 'clusters: [' }]), /\/bad\.yaml cannot be read: it is not valid YAML/);
    assert.throws(() => mergeKubeconfigs(source, [{ path: '/list.yaml', text: '- a\n- b' }]), /\/list\.yaml cannot be read: it is not a kubeconfig/);
  });

  it('accepts an empty file, as kubectl does', () => {
    const m = mergeKubeconfigs(source, [{ path: '/empty', text: '' }]);
    assert.deepEqual(m.contexts, []);
    assert.deepEqual(m.files, ['/empty']);
  });
});

describe('kubeconfig: token expiry', () => {
  it('reads exp from a JWT', () => {
    assert.equal(tokenExpiryMs(jwt({ exp: 1700000000 })), 1700000000 * 1000);
  });

  it('is undefined for opaque tokens and tokens without exp', () => {
    assert.equal(tokenExpiryMs('abcdef.0123456789abcdef'), undefined);
    assert.equal(tokenExpiryMs(jwt({ sub: 'x' })), undefined);
    assert.equal(tokenExpiryMs(undefined), undefined);
    assert.equal(tokenExpiryMs('a.!!!.c'), undefined);
  });
});
