// fetch with a per-request deadline. Not AbortSignal.timeout(): its timer is unref'd, so a request hanging on
// a half-started container (docker-proxy accepts, nobody answers) would let a CLI process simply exit.
export async function fetchWithTimeout(url: string | URL | Request, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const outer = init.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) {
    onAbort();
  }
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    // Read the body under the same deadline; callers get it buffered.
    const body = await response.arrayBuffer();
    return new Response(body.byteLength > 0 ? body : null, { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}
