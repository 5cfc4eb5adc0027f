// Follows a pod container's log line by line (client-node's Log), from its last lines on, until disposed.
import { PassThrough } from 'node:stream';
import { Log, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';

export function followPodLog(kc: KubeConfig, namespace: string, pod: string, container: string, onLine: (line: string) => void, log: Logger, tailLines = 100): Disposable {
  const sink = new PassThrough();
  let rest = '';
  sink.setEncoding('utf8');
  sink.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  let controller: AbortController | undefined;
  let disposed = false;
  new Log(kc).log(namespace, pod, container, sink, { follow: true, tailLines }).then(
    (c) => (disposed ? c.abort() : (controller = c)),
    (error: unknown) => log.debug(`following the log of ${namespace}/${pod} failed: ${errorMessage(error)}`),
  );
  return {
    dispose: () => {
      disposed = true;
      controller?.abort();
      sink.end();
    },
  };
}
