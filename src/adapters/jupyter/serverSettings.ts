// @jupyterlab/services settings for a Berth server: Node's fetch, `ws` as the WebSocket, the token.
import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';
import type { ServerHandle } from '../../core/kernels/api';

/** Any single REST call to Jupyter (start, interrupt, restart a kernel) must answer within this. */
const REQUEST_TIMEOUT_MS = 60_000;

export function serverSettings(server: ServerHandle): ServerConnection.ISettings {
  const baseUrl = `${server.baseUrl.replace(/\/+$/, '')}/`;
  const timedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: `ws${baseUrl.slice('http'.length)}`,
    token: server.token,
    // `ws` sends no Authorization header for the library, so the token rides in the (loopback-only) URL.
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: timedFetch,
    Request,
    Headers,
    init: { cache: 'no-store' },
  });
}
