import * as vscode from 'vscode';
import type { BerthApi } from './api';
import { DockerImageBuilder } from './adapters/docker/dockerImageBuilder';
import { DockerImageTransfer } from './adapters/docker/dockerImageTransfer';
import { DockerJobRunner } from './adapters/docker/dockerJobRunner';
import { DockerServerLauncher } from './adapters/docker/dockerServerLauncher';
import { localHost } from './adapters/host/localHost';
import { SwitchableDockerEngine } from './adapters/docker/switchableDockerEngine';
import { JupyterKernelConnector } from './adapters/jupyter/jupyterKernelConnector';
import { ClientNodeKubernetes } from './adapters/kubernetes/clientNodeKubernetes';
import { KubernetesServerLauncher } from './adapters/kubernetes/kubernetesServerLauncher';
import { Commands } from './constants';
import { BuildActivity } from './core/build/buildActivity';
import { ImageProbesModel } from './core/images/imageProbes';
import { ImagesModel } from './core/images/imagesModel';
import { ClusterModel } from './core/kubernetes/clusterModel';
import { podScopes } from './core/kubernetes/kernelTargets';
import { registerCommand } from './features/commandBoundary';
import { Config } from './features/config';
import * as build from './features/build/register';
import * as cluster from './features/cluster/register';
import * as docs from './features/docs/register';
import * as images from './features/images/register';
import * as kernels from './features/kernels/register';
import { podKernelspecsModel } from './features/kernels/podKernelspecsSetup';
import { MementoProbeCache } from './features/kernels/probeCache';
import { allPodTargets, StartedPodTargets } from './features/kernels/startedPodTargets';
import { pushImage } from './features/images/pushPull';

/** The composition root: builds the adapters and models, then lets each feature register itself. */
export function activate(context: vscode.ExtensionContext): BerthApi | undefined {
  const log = vscode.window.createOutputChannel('Berth', { log: true });
  context.subscriptions.push(log);
  try {
    const config = new Config();
    const engine = new SwitchableDockerEngine(config.dockerHost);
    const imagesModel = new ImagesModel(engine, log);
    const builds = new BuildActivity();
    const launcher = new DockerServerLauncher(engine, log, { copyLimitBytes: () => config.kubernetesCopyLimitBytes });
    const probes = new ImageProbesModel(imagesModel, (imageId, signal) => launcher.probe(imageId, signal), new MementoProbeCache(context.globalState), log);
    const clusterModel = new ClusterModel(new ClientNodeKubernetes(log), log);
    // Pods are found again (re-attach, cleanup, the Kernels view) where the configured and started targets put them.
    const startedTargets = new StartedPodTargets(context.workspaceState);
    const podLauncher = new KubernetesServerLauncher(log, { scopes: () => podScopes(allPodTargets(config, startedTargets)), kubeconfig: () => config.kubeconfig || undefined, copyLimitBytes: () => config.kubernetesCopyLimitBytes });
    const podKernelspecs = podKernelspecsModel({ state: context.globalState, images: imagesModel, launcher, podLauncher, log });
    const kernelsFeature = kernels.register({ context, log, config, images: imagesModel, probes, launcher, podLauncher, podKernelspecs, startedTargets, connector: new JupyterKernelConnector(log), host: localHost() });
    const transfer = new DockerImageTransfer(engine, log);
    const pushDeps = { transfer, images: imagesModel, registry: () => config.registry, state: context.workspaceState, log };
    context.subscriptions.push(
      config,
      imagesModel,
      builds,
      probes,
      podKernelspecs,
      images.register({ model: imagesModel, builds, probes, transfer, registry: () => config.registry, state: context.workspaceState, log }),
      clusterModel,
      startedTargets,
      cluster.register({
        model: clusterModel,
        config,
        state: context.workspaceState,
        log,
        startKernel: {
          images: imagesModel,
          probes,
          registry: () => config.registry,
          push: async (image, target) => (await pushImage(pushDeps, undefined, { image, target }))?.target,
          startPodKernel: kernelsFeature.startPodKernel,
        },
      }),
      kernelsFeature,
      build.register({ createBuilder: () => DockerImageBuilder.forHost(config.dockerHost), activity: builds, state: context.workspaceState, log }),
      docs.register({ extensionUri: context.extensionUri, log, config, runner: new DockerJobRunner(engine, log), workspaceState: context.workspaceState }),
      config.onDidChangeDockerHost(() => {
        engine.switchTo(config.dockerHost);
        void imagesModel.setEngine(engine);
        void kernelsFeature.refreshServers();
      }),
      registerCommand(Commands.showLog, 'Show Log', log, () => log.show()),
    );
    void imagesModel.refresh();
    log.info(`Berth ${context.extension.packageJSON.version} activated`);
    return { images: imagesModel, builds, kernels: kernelsFeature.api, cluster: clusterModel };
  } catch (error) {
    // VS Code does not show activation failures to the user; say it once, with the details in the log.
    log.error(error instanceof Error ? error : String(error));
    void vscode.window.showErrorMessage(`Berth failed to start: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export function deactivate(): void {}
