// @jupyterlab/services settings for a Berth server: Node's fetch, `ws` as the WebSocket, the token.
import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';
import type { ServerHandle } from '../../core/kernels/api';
import { fetchWithTimeout } from '../http/fetchWithTimeout';

/** Any single REST call to Jupyter (start, interrupt, restart a kernel) must answer within this. */
const REQUEST_TIMEOUT_MS = 60_000;

export function serverSettings(server: ServerHandle): ServerConnection.ISettings {
  const baseUrl = `${server.baseUrl.replace(/\/+$/, '')}/`;
  const timedFetch: typeof fetch = (input, init) => fetchWithTimeout(input, init ?? {}, REQUEST_TIMEOUT_MS);
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: `ws${baseUrl.slice('http'.length)}`,
    token: server.token,
    // The token goes in a header on the websocket too, never into a URL (where a proxy or a log could see it).
    appendToken: false,
    WebSocket: authenticatedWebSocket(server.token),
    fetch: timedFetch,
    Request,
    Headers,
    init: { cache: 'no-store' },
  });
}

/** `ws` with the Authorization header set: @jupyterlab/services constructs it with (url, protocols) only. */
function authenticatedWebSocket(token: string): typeof globalThis.WebSocket {
  class AuthenticatedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { Authorization: `token ${token}` } });
    }
  }
  return AuthenticatedWebSocket as unknown as typeof globalThis.WebSocket;
}
