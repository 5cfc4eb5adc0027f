// A probe pod: the image's kernelspecs as the cluster runs it. Created in the target's namespace, followed until its
// one container ends (failing fast with the same reasons as a kernel pod: FailedScheduling, image pulls, …), its
// output read from the log, and deleted on every path (also on cancel) without grace.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { KubernetesKernelTarget } from '../../core/kernels/api';
import { failedProbe, parseProbeOutput } from '../../core/kernels/imageProbe';
import { PROBE_SELECTOR, probePodManifest, probePodName } from '../../core/kubernetes/kernelPod';
import { podStartFailure } from '../../core/kubernetes/podFailure';
import { imageIdDigest, type PodProbeResult } from '../../core/kubernetes/podKernelspecs';
import { toKubeEvent, toPodInfo, type ApiEvent, type ApiPod, type KubeEvent } from '../../core/kubernetes/resources';
import { isNotFound } from './kubernetesServerHandle';
import { keepWatching } from './podWatch';

/** Runs one probe pod for the target; `timeoutMs` bounds the whole probe (a pull of a big image included). */
export async function runProbePod(kc: KubeConfig, core: CoreV1Api, target: KubernetesKernelTarget, timeoutMs: number, signal: AbortSignal, log: Logger): Promise<PodProbeResult> {
  if (signal.aborted) throw new CancelledError();
  const name = probePodName(randomBytes(8).toString('hex'));
  const where = `${target.namespace}/${name}`;
  await core.createNamespacedPod({ namespace: target.namespace, body: probePodManifest(target, name, Math.ceil(timeoutMs / 1000) + 60) as never });
  log.info(`probe pod ${where} created for ${target.image}`);
  try {
    const ended = await waitForEnd(kc, target, name, timeoutMs, signal, log);
    const container = ended.status?.containerStatuses?.[0];
    const digest = imageIdDigest(container?.imageID);
    const exitCode = container?.state?.terminated?.exitCode;
    let stdout: string;
    try {
      stdout = String((await core.readNamespacedPodLog({ namespace: target.namespace, name, container: 'probe' })) ?? '');
    } catch (error) {
      throw new BerthError(`The probe pod ${where} ran, but its output could not be read: ${errorMessage(error)}`);
    }
    const imageId = digest ?? target.image;
    if (exitCode !== 0 && !stdout.includes('berth-')) {
      return { probe: failedProbe(target.image, imageId, `the probe exited with code ${exitCode ?? 'unknown'}${stdout.trim() ? `: ${stdout.trim().split('\n').slice(-3).join(' ')}` : ''}`), ...(digest ? { digest } : {}) };
    }
    return { probe: parseProbeOutput(target.image, imageId, stdout), ...(digest ? { digest } : {}) };
  } finally {
    await core.deleteNamespacedPod({ namespace: target.namespace, name, gracePeriodSeconds: 0 }).then(
      () => log.info(`probe pod ${where} deleted`),
      (error: unknown) => {
        if (!isNotFound(error)) log.warn(`deleting probe pod ${where} failed: ${errorMessage(error)}`);
      },
    );
  }
}

/**
 * Deletes the namespace's finished probe pods: those whose Berth died before it could delete them end by themselves
 * (activeDeadlineSeconds), and a finished pod is of no use to anyone. Running ones are left alone (another window's).
 */
export async function removeFinishedProbePods(core: CoreV1Api, namespace: string, log: Logger): Promise<number> {
  const list = await core.listNamespacedPod({ namespace, labelSelector: PROBE_SELECTOR });
  const finished = list.items.filter((p) => (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && !p.metadata?.deletionTimestamp);
  for (const pod of finished) {
    await core.deleteNamespacedPod({ namespace, name: pod.metadata!.name!, gracePeriodSeconds: 0 }).catch((error: unknown) => {
      if (!isNotFound(error)) log.warn(`deleting finished probe pod ${namespace}/${pod.metadata?.name} failed: ${errorMessage(error)}`);
    });
  }
  if (finished.length) log.info(`removed ${finished.length} finished probe pod(s) in ${namespace}`);
  return finished.length;
}

/** Follows the pod and its events until its container terminated; rejects with the cluster's reason when it cannot. */
function waitForEnd(kc: KubeConfig, target: KubernetesKernelTarget, name: string, timeoutMs: number, signal: AbortSignal, log: Logger): Promise<ApiPod> {
  const ns = encodeURIComponent(target.namespace);
  return new Promise<ApiPod>((resolve, reject) => {
    const events: KubeEvent[] = [];
    let last: ApiPod | undefined;
    const subs: Disposable[] = [];
    const done = (error: Error | undefined, pod?: ApiPod) => {
      subs.forEach((s) => s.dispose());
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(pod!);
    };
    const check = () => {
      if (!last) return;
      const state = last.status?.containerStatuses?.[0]?.state;
      if (state?.terminated) return done(undefined, last);
      const failure = podStartFailure(toPodInfo(last), events);
      if (failure) done(new BerthError(failure.replace(/^The kernel (pod|container)/, 'The probe $1')));
    };
    const onAbort = () => done(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      signal.removeEventListener('abort', onAbort);
      reject(new CancelledError());
      return;
    }
    const timer = setTimeout(() => {
      const e = events[events.length - 1];
      done(new BerthError(`The probe pod ${target.namespace}/${name} did not finish within ${timeoutMs / 1000} s (phase ${last?.status?.phase ?? 'unknown'}).${e ? ` Its last event: ${e.reason}: ${e.message}` : ''}`));
    }, timeoutMs);
    subs.push(
      keepWatching(
        kc,
        `/api/v1/namespaces/${ns}/pods`,
        { fieldSelector: `metadata.name=${name}` },
        (type, object) => {
          if (type === 'DELETED') return done(new BerthError('The probe pod was deleted before it finished'));
          if (type !== 'ADDED' && type !== 'MODIFIED') return;
          last = object as ApiPod;
          check();
        },
        log,
      ),
      keepWatching(
        kc,
        `/api/v1/namespaces/${ns}/events`,
        { fieldSelector: `involvedObject.name=${name}` },
        (type, object) => {
          if (type !== 'ADDED' && type !== 'MODIFIED') return;
          events.push(toKubeEvent(object as ApiEvent));
          check();
        },
        log,
      ),
    );
  });
}
