// Shared by the pod kernel tests: the kernel image pushed to the test registry under a tag of its own (the
// local tag is removed again), the admin context as a kernel target, and cleanup of Berth's pods and Secrets by
// label in the test's namespace.
import Docker from 'dockerode';
import type { KubernetesKernelTarget } from '../../../src/core/kernels/api';
import { KERNEL_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { admin, adminDocument, adminKubeconfig, REGISTRY, waitFor } from './helpers';

export const POD_TEST_IMAGE = `${REGISTRY}/berth/python:berth-pods-it`;
const LOCAL_IMAGE = 'berth/python:latest';

let tagAdded = false;

/** Pushes berth/python:latest as POD_TEST_IMAGE, as a user would push to the cluster's registry. */
export async function pushPodTestImage(): Promise<void> {
  const docker = new Docker();
  const existed = await docker.getImage(POD_TEST_IMAGE).inspect().then(() => true, () => false);
  tagAdded ||= !existed;
  await docker.getImage(LOCAL_IMAGE).tag({ repo: `${REGISTRY}/berth/python`, tag: 'berth-pods-it' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'berth-pods-it' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

/** Removes the local POD_TEST_IMAGE tag if this process added it (the image itself stays: it is berth/python:latest). */
export async function removePodTestImageTag(): Promise<void> {
  if (!tagAdded) return;
  tagAdded = false;
  await new Docker().getImage(POD_TEST_IMAGE).remove({ noprune: true }).catch(() => undefined);
}

export function adminContext(): string {
  return String(adminDocument()['current-context']);
}

export function podTarget(namespace: string, over: Partial<KubernetesKernelTarget> = {}): KubernetesKernelTarget {
  return { kind: 'kubernetes', image: POD_TEST_IMAGE, kernelspec: 'python3', context: adminContext(), namespace, kubeconfig: adminKubeconfig(), ...over };
}

export async function berthPods(namespace: string): Promise<string[]> {
  const list = await admin().core.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR });
  return list.items.map((p) => p.metadata!.name!);
}

export async function berthSecrets(namespace: string): Promise<string[]> {
  const list = await admin().core.listNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR });
  return list.items.map((s) => s.metadata!.name!);
}

/** Deletes every Berth pod and Secret in the namespace, without grace. */
export async function removeBerthObjects(namespace: string | undefined): Promise<void> {
  if (!namespace) return;
  const { core } = admin();
  await core.deleteCollectionNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
  await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR }).catch(() => undefined);
}

/**
 * Berth pods and Secrets in the namespace that nobody has asked the cluster to delete: a pod without a deletion
 * timestamp, a Secret not owned by a pod being deleted. Once Berth has deleted a pod (with its short grace), the
 * kubelet still has to confirm that its containers stopped; on this cluster that has been seen to take over a minute
 * (the pod's volumes torn down, the pod still listed), which is the kubelet's, not Berth's.
 */
export async function berthObjectsNotDeleted(namespace: string): Promise<{ pods: string[]; secrets: string[] }> {
  const { core } = admin();
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items;
  const deleting = new Set(pods.filter((p) => p.metadata?.deletionTimestamp).map((p) => p.metadata!.uid!));
  const secrets = (await core.listNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR })).items;
  return {
    pods: pods.filter((p) => !deleting.has(p.metadata!.uid!)).map((p) => p.metadata!.name!),
    secrets: secrets.filter((s) => !(s.metadata?.ownerReferences ?? []).some((o) => deleting.has(o.uid))).map((s) => s.metadata!.name!),
  };
}

/**
 * Waits until Berth has let go of every pod and Secret it made in the namespace: each is gone, or is a pod being
 * deleted (and the Secret it owns). Says when the kubelet is still finishing a deletion.
 */
export async function waitForNoBerthObjects(namespace: string, ms = 60000): Promise<void> {
  await waitFor(
    async () => {
      const left = await berthObjectsNotDeleted(namespace);
      return left.pods.length === 0 && left.secrets.length === 0;
    },
    ms,
    () => `Berth pods or Secrets left in ${namespace}`,
  );
  const terminating = await berthPods(namespace);
  if (terminating.length > 0) console.log(`      (deleted, the kubelet still finishing: ${terminating.join(', ')})`);
}
