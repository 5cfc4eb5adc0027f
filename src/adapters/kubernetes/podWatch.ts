// A watch that keeps itself open: client-node's Watch ends on the server's timeout, a dropped connection or an
// API server restart; this reopens it (with backoff while the server is away) until disposed. Each reopen
// starts from the current state (the server replays it as ADDED), and `onReopen` lets the caller check what it
// may have missed while the watch was down (a DELETED event).
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';

export function keepWatching(
  kc: KubeConfig,
  path: string,
  query: Record<string, string>,
  onEvent: (type: string, object: unknown) => void,
  log: Logger,
  onReopen?: () => void,
): Disposable {
  let disposed = false;
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delayMs = 100;
  let opened = 0;
  const again = (why: string) => {
    controller = undefined;
    if (disposed) return;
    log.trace(`watch ${path} ended (${why}); reopening in ${delayMs} ms`);
    timer = setTimeout(open, delayMs);
    delayMs = Math.min(delayMs * 2, 3000);
  };
  const open = () => {
    if (disposed) return;
    const reopen = opened++ > 0;
    new Watch(kc)
      .watch(
        path,
        query,
        (type, object) => {
          delayMs = 100;
          if (!disposed) onEvent(type, object);
        },
        (error: unknown) => again(error ? errorMessage(error) : 'closed by the server'),
      )
      .then(
        (c) => {
          if (disposed) c.abort();
          else {
            controller = c;
            if (reopen) onReopen?.();
          }
        },
        (error: unknown) => again(errorMessage(error)),
      );
  };
  open();
  return {
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
