// The per-request deadline the readiness probe relies on, against real sockets that accept and never answer
// (what docker-proxy does while a container starts).
import { strict as assert } from 'assert';
import { createServer, type Server, type Socket } from 'node:net';
import { fetchWithTimeout } from '../../../src/adapters/http/fetchWithTimeout';

describe('fetchWithTimeout (real sockets)', () => {
  let server: Server;
  let port: number;
  const sockets: Socket[] = [];
  before(async () => {
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });

  it('gives up on a connection that is accepted but never answered', async () => {
    await assert.rejects(fetchWithTimeout(`http://127.0.0.1:${port}/api/status`, {}, 200), /no answer within 200 ms|aborted/i);
  });

  it('honours the caller signal', async () => {
    const abort = new AbortController();
    const pending = fetchWithTimeout(`http://127.0.0.1:${port}/`, { signal: abort.signal }, 10_000);
    abort.abort();
    await assert.rejects(pending);
  });

  it('returns the status and body of a server that answers', async () => {
    const http = await import('node:http');
    const s = http.createServer((_, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const res = await fetchWithTimeout(`http://127.0.0.1:${(s.address() as { port: number }).port}/`, {}, 2000);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true });
    } finally {
      s.close();
    }
  });
});
