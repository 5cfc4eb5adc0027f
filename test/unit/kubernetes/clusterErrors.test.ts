// Each way of failing to reach a cluster gets its own clear message.
import { strict as assert } from 'assert';
import { classifyClusterFailure, type FailureFacts } from '../../../src/core/kubernetes/clusterErrors';

const base: FailureFacts = { context: 'dev', server: 'https://10.0.0.1:6443', user: 'ann', action: 'list namespaces', stage: 'request', message: '' };
const classify = (over: Partial<FailureFacts>) => classifyClusterFailure({ ...base, ...over });

describe('cluster failures', () => {
  it('no answer names the address', () => {
    const e = classify({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:6443' });
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.message, 'No answer from https://10.0.0.1:6443 (context "dev"): ECONNREFUSED.');
  });

  it('a timeout says how long Berth waited', () => {
    const e = classify({ timedOutMs: 15000, message: 'The operation was aborted' });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /No answer from https:\/\/10\.0\.0\.1:6443 within 15 s/);
  });

  it('TLS failures say what is wrong with the certificate', () => {
    const e = classify({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self signed certificate' });
    assert.equal(e.kind, 'tls');
    assert.match(e.message, /TLS failure talking to https:\/\/10\.0\.0\.1:6443 \(context "dev"\): the server's certificate is self-signed/);
    assert.equal(classify({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }).kind, 'tls');
    assert.equal(classify({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }).kind, 'tls');
  });

  it('401 is rejected credentials, or expired ones when the kubeconfig says they expired', () => {
    const rejected = classify({ status: 401, message: 'Unauthorized' });
    assert.equal(rejected.kind, 'unauthorized');
    assert.match(rejected.message, /rejected the credentials of user "ann" \(401 Unauthorized, context "dev"\)/);
    const expired = classify({ status: 401, credentialsExpiredMs: Date.parse('2026-11-20T08:30:00Z') });
    assert.equal(expired.kind, 'expired');
    assert.match(expired.message, /The credentials of user "ann" expired on 2026-11-20 08:30 UTC \(context "dev"\)/);
  });

  it('an exec plugin that fails or is missing', () => {
    const failed = classify({ stage: 'credentials', execCommand: 'kubelogin', message: 'error: token refresh failed\nmore' });
    assert.equal(failed.kind, 'execPlugin');
    assert.equal(failed.message, 'The credential plugin "kubelogin" of user "ann" failed (context "dev"): error: token refresh failed.');
    const missing = classify({ stage: 'credentials', execCommand: 'kubelogin', code: 'ENOENT', message: 'spawn kubelogin ENOENT' });
    assert.match(missing.message, /the command is not installed or not on PATH/);
  });

  it('an unreadable certificate file is a kubeconfig problem', () => {
    const e = classify({ stage: 'credentials', code: 'ENOENT', message: "ENOENT: no such file or directory, open '/x/ca.crt'" });
    assert.equal(e.kind, 'config');
    assert.match(e.message, /The kubeconfig entries of context "dev" cannot be used: ENOENT/);
  });

  it('403 names the identity the server saw', () => {
    const e = classify({ status: 403, message: 'namespaces is forbidden: User "system:serviceaccount:t:limited" cannot list resource "namespaces" in API group "" at the cluster scope' });
    assert.equal(e.kind, 'forbidden');
    assert.equal(e.message, '"system:serviceaccount:t:limited" may not list namespaces (403 Forbidden, context "dev").');
    assert.equal(e.identity, 'system:serviceaccount:t:limited');
  });

  it('other answers carry the status and the server message', () => {
    const e = classify({ status: 500, message: 'etcdserver: request timed out' });
    assert.equal(e.kind, 'server');
    assert.match(e.message, /answered 500 \(etcdserver: request timed out\)/);
  });
});
