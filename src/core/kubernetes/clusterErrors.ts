// What went wrong talking to a cluster, in words a user can act on. The adapter reduces whatever its client
// library threw to plain facts (FailureFacts); this file turns the facts into one ClusterError per cause.
import { BerthError } from '../common/errors';

export type ClusterFailureKind =
  /** The kubeconfig cannot be used for this context (missing file, missing entry). */
  | 'config'
  /** Nothing answers at the server address (refused, unresolvable, timed out, connection dropped). */
  | 'unreachable'
  /** The TLS handshake failed: the server's certificate is not trusted, or the server does not speak TLS. */
  | 'tls'
  /** The server answered 401: it does not accept the user's credentials. */
  | 'unauthorized'
  /** The credentials in the kubeconfig have expired (token `exp`, client certificate validity). */
  | 'expired'
  /** The user's exec credential plugin failed. */
  | 'execPlugin'
  /** The server answered 403: RBAC does not allow this request. */
  | 'forbidden'
  | 'notFound'
  /** Anything else the server answered (5xx, 4xx other than the above). */
  | 'server';

/** Kinds after which Berth keeps trying by itself (with backoff): the cluster may come back. */
export const TRANSIENT_KINDS: ReadonlySet<ClusterFailureKind> = new Set(['unreachable', 'server']);

export class ClusterError extends BerthError {
  /** For 403s: the identity the server said it saw ("system:serviceaccount:ns:name"), when it said one. */
  readonly identity?: string;

  constructor(
    readonly kind: ClusterFailureKind,
    message: string,
    readonly context: string,
    readonly status?: number,
    options?: { cause?: unknown; identity?: string },
  ) {
    super(message, options);
    this.identity = options?.identity;
  }
}

export interface FailureFacts {
  readonly context: string;
  readonly server?: string;
  /** The kubeconfig user's name. */
  readonly user?: string;
  /** What Berth was doing, as a verb phrase: "list namespaces", "watch pods in berth-it-x". */
  readonly action: string;
  /** Where it failed: building credentials (exec plugins run here), or the request itself. */
  readonly stage: 'credentials' | 'request';
  /** The Node or OpenSSL error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ENOENT …). */
  readonly code?: string;
  readonly status?: number;
  /** Kubernetes Status.reason (Forbidden, NotFound, Expired …). */
  readonly reason?: string;
  /** The server's Status.message, or the error's own message. */
  readonly message: string;
  /** The user's exec credential plugin command, when the user has one. */
  readonly execCommand?: string;
  /** When the kubeconfig's credentials expired, if they have (JWT `exp`, client certificate notAfter). */
  readonly credentialsExpiredMs?: number;
  readonly timedOutMs?: number;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** OpenSSL / Node TLS codes, said the way a user reads them. */
const TLS_CODES: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not signed by the cluster's certificate authority",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by the cluster's certificate authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by the cluster's certificate authority",
  UNABLE_TO_GET_ISSUER_CERT: "the server's certificate is not signed by the cluster's certificate authority",
  CERT_SIGNATURE_FAILURE: "the server's certificate signature does not verify",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this address",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS at this address',
  EPROTO: 'the TLS handshake failed',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server rejected the client certificate',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
};

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
}

function clip(text: string, max = 240): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The identity the server names in a 403 ("User \"system:serviceaccount:ns:sa\" cannot …"), if it does. */
export function forbiddenIdentity(message: string): string | undefined {
  return /User "([^"]+)"/.exec(message)?.[1];
}

export function classifyClusterFailure(facts: FailureFacts, options?: { cause?: unknown }): ClusterError {
  const { context, server = 'the API server', user, action } = facts;
  const make = (kind: ClusterFailureKind, message: string, identity?: string) => new ClusterError(kind, message, context, facts.status, { ...options, identity });
  const detail = clip(firstLine(facts.message));
  const ctx = `context "${context}"`;
  if (facts.stage === 'credentials' && facts.execCommand) {
    const why = facts.code === 'ENOENT' ? `the command is not installed or not on PATH` : detail || `it exited without credentials`;
    return make('execPlugin', `The credential plugin "${facts.execCommand}" of user "${user ?? ''}" failed (${ctx}): ${why}.`);
  }
  if (facts.stage === 'credentials') {
    return make('config', `The kubeconfig entries of ${ctx} cannot be used: ${detail}.`);
  }
  if (facts.timedOutMs !== undefined) {
    return make('unreachable', `No answer from ${server} within ${Math.round(facts.timedOutMs / 1000)} s (${ctx}).`);
  }
  if (facts.code && TLS_CODES[facts.code]) {
    return make('tls', `TLS failure talking to ${server} (${ctx}): ${TLS_CODES[facts.code]}. Check the cluster's certificate-authority in the kubeconfig.`);
  }
  if (facts.code && UNREACHABLE_CODES.has(facts.code)) {
    return make('unreachable', `No answer from ${server} (${ctx}): ${facts.code}.`);
  }
  if (facts.status === undefined && facts.code && /^(ERR_SSL_|ERR_TLS_|CERT_)/.test(facts.code)) {
    return make('tls', `TLS failure talking to ${server} (${ctx}): ${detail || facts.code}.`);
  }
  switch (facts.status) {
    case 401:
      if (facts.credentialsExpiredMs !== undefined) {
        return make('expired', `The credentials of user "${user ?? ''}" expired on ${utc(facts.credentialsExpiredMs)} (${ctx}): get new ones (log in again), then Refresh.`);
      }
      return make('unauthorized', `${server} rejected the credentials of user "${user ?? ''}" (401 Unauthorized, ${ctx}). Check the user's token or client certificate in the kubeconfig.`);
    case 403: {
      const who = forbiddenIdentity(facts.message) ?? user ?? 'this user';
      return make('forbidden', `"${who}" may not ${action} (403 Forbidden, ${ctx}).`, forbiddenIdentity(facts.message));
    }
    case 404:
      return make('notFound', `Could not ${action}: ${detail || 'not found'} (${ctx}).`);
    case undefined:
      break;
    default:
      return make('server', `Could not ${action}: ${server} answered ${facts.status}${detail ? ` (${detail})` : ''} (${ctx}).`);
  }
  return make('unreachable', `No answer from ${server} (${ctx}): ${detail || facts.code || 'the connection failed'}.`);
}
