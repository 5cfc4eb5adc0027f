// Reduces what @kubernetes/client-node (node-fetch, ws, its exec-plugin runner) throws to core's FailureFacts.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { classifyClusterFailure, ClusterError, type FailureFacts } from '../../core/kubernetes/clusterErrors';
import { tokenExpiryMs, type KubeconfigUser } from '../../core/kubernetes/kubeconfig';
import type { KubeContext } from '../../core/kubernetes/kubeconfig';

interface ErrorShape {
  name?: string;
  message?: string;
  code?: unknown;
  statusCode?: number;
  body?: unknown;
  errno?: unknown;
  syscall?: string;
  type?: string;
  error?: unknown;
  cause?: unknown;
}

/** The Kubernetes Status object in an ApiException body (a JSON string or already parsed). */
function statusBody(body: unknown): { message?: string; reason?: string; code?: number } | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim() } : undefined;
    }
  }
  return typeof value === 'object' && value !== null ? (value as { message?: string; reason?: string; code?: number }) : undefined;
}

/** When the kubeconfig's credentials expired, if they have: the JWT `exp`, or the client certificate's notAfter. */
export function credentialsExpiredMs(user: KubeconfigUser | undefined, nowMs = Date.now()): number | undefined {
  if (!user) return undefined;
  const candidates: number[] = [];
  let token = user.token;
  if (!token && user.tokenFile) {
    try {
      token = readFileSync(user.tokenFile, 'utf8');
    } catch {
      token = undefined;
    }
  }
  const exp = tokenExpiryMs(token);
  if (exp !== undefined) candidates.push(exp);
  let pem: string | Buffer | undefined;
  try {
    pem = user['client-certificate-data'] ? Buffer.from(user['client-certificate-data'], 'base64') : user['client-certificate'] ? readFileSync(user['client-certificate']) : undefined;
    if (pem) candidates.push(Date.parse(new X509Certificate(pem).validTo));
  } catch {
    // Unreadable certificates fail the request with their own error.
  }
  const expired = candidates.filter((ms) => Number.isFinite(ms) && ms <= nowMs);
  return expired.length ? Math.min(...expired) : undefined;
}

export interface ErrorContext {
  readonly context: KubeContext;
  readonly user?: KubeconfigUser;
  readonly action: string;
  /** Set when Berth's own deadline aborted the request. */
  readonly timedOutMs?: number;
}

/** Turns anything the client threw into a ClusterError with a message a user can act on. */
export function toClusterError(error: unknown, where: ErrorContext): ClusterError {
  if (error instanceof ClusterError) {
    return error;
  }
  const e = (error ?? {}) as ErrorShape;
  // ws reports failures as an ErrorEvent wrapping the real error.
  const inner = (e.error && typeof e.error === 'object' ? e.error : e.cause && typeof e.cause === 'object' ? e.cause : undefined) as ErrorShape | undefined;
  const code = typeof e.code === 'string' ? e.code : typeof inner?.code === 'string' ? inner.code : undefined;
  let status = typeof e.code === 'number' ? e.code : e.statusCode;
  const message = String(e.message ?? inner?.message ?? error);
  const wsStatus = /Unexpected server response: (\d{3})/.exec(message);
  if (status === undefined && wsStatus) status = Number(wsStatus[1]);
  const body = statusBody(e.body);
  const isHttpOrNetwork = status !== undefined || e.name === 'FetchError' || e.type === 'system' || (code !== undefined && code !== 'ENOENT' && code !== 'EACCES') || e.name === 'AbortError';
  const exec = where.user?.exec?.command;
  const facts: FailureFacts = {
    context: where.context.name,
    server: where.context.server,
    user: where.context.user,
    action: where.action,
    // Failures that are neither an HTTP answer nor a network error come from building the request's credentials
    // and TLS options: an exec plugin (a missing command is ENOENT from spawn, a failing one rejects with its
    // stderr), or a certificate or token file named in the kubeconfig that cannot be read.
    stage: isHttpOrNetwork ? 'request' : 'credentials',
    code,
    status,
    reason: body?.reason,
    message: body?.message ?? (status !== undefined ? '' : message),
    execCommand: exec,
    credentialsExpiredMs: status === 401 ? credentialsExpiredMs(where.user) : undefined,
    timedOutMs: where.timedOutMs,
  };
  return classifyClusterFailure(facts, { cause: error });
}
