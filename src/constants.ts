/** Command, view, setting and context-key ids. They must match package.json `contributes`. */
export const Commands = {
  refreshImages: 'berth.images.refresh',
  showLog: 'berth.showLog',
  selectKernel: 'berth.kernel.select',
  restartKernel: 'berth.kernel.restart',
  interruptKernel: 'berth.kernel.interrupt',
  shutdownKernel: 'berth.kernel.shutdown',
  showKernelLogs: 'berth.kernel.showLogs',
  revealKernelNotebook: 'berth.kernel.revealNotebook',
  refreshKernels: 'berth.kernels.refresh',
  showFullOutput: 'berth.output.showFull',
  buildImage: 'berth.build.image',
  cancelBuild: 'berth.build.cancel',
  /** Internal (hidden from the palette): shows and selects a tagged image in the Images view. */
  revealImage: 'berth.images.reveal',
  /** Internal (hidden from the palette): selects the Berth kernel of an image for a notebook ("Use as kernel" after a build). */
  selectKernelForNotebook: 'berth.kernels.selectForNotebook',
  openDocsPreview: 'berth.docs.openPreviewToSide',
  refreshDocs: 'berth.docs.refresh',
  knitDocument: 'berth.docs.knit',
  exportDocument: 'berth.docs.export',
  /** Opens the file the docs output panel shows with the system's default application. */
  openOutputExternally: 'berth.docs.openOutputExternally',
  /** Internal (leading underscore: never in the palette): what the preview shows, for the e2e suite. */
  docsPreviewState: '_berth.docs.previewState',
  /** Internal: the Docs view's tree model, for the e2e suite. */
  docsTree: '_berth.docs.tree',
  pushImage: 'berth.images.push',
  pullImage: 'berth.images.pull',
  refreshCluster: 'berth.cluster.refresh',
  useContext: 'berth.cluster.useContext',
  useNamespace: 'berth.cluster.useNamespace',
  showPodLogs: 'berth.cluster.showLogs',
  describePod: 'berth.cluster.describe',
  deletePod: 'berth.cluster.deletePod',
  copyPodName: 'berth.cluster.copyName',
  openPodShell: 'berth.cluster.openShell',
  /** On a namespace row: pick an image (push it when only local), then start a kernel pod there for a notebook. */
  startKernelHere: 'berth.cluster.startKernelHere',
  /** Copies the notebook's folder into its kernel pod again. */
  syncNotebookFolder: 'berth.kernel.syncFolder',
  /** Internal: the Cluster view's rows as the tree shows them, for the e2e suite. */
  clusterTree: '_berth.cluster.tree',
  /** Internal: what an Open Shell terminal has shown so far, for the e2e suite. */
  shellTranscript: '_berth.cluster.shellTranscript',
} as const;

export const WebviewTypes = {
  docsPreview: 'berth.docsPreview',
  /** A knitted or exported HTML file, shown without its own scripts. */
  docsOutput: 'berth.docsOutput',
} as const;

export const Languages = {
  markdown: 'markdown',
  rmarkdown: 'rmarkdown',
} as const;

export const Views = {
  images: 'berth.images',
  kernels: 'berth.kernels',
  cluster: 'berth.cluster',
  docs: 'berth.docs',
} as const;

export const ContextKeys = {
  /** connecting | ready | unreachable: picks the welcome text of the Images view. */
  dockerState: 'berth.docker.state',
  /** loading | none | invalid | loaded: picks the welcome text of the Cluster view. */
  clusterState: 'berth.cluster.state',
} as const;

/** URI schemes of Berth's read-only documents. */
export const Schemes = {
  podLogs: 'berth-pod-logs',
  podDescribe: 'berth-pod-describe',
} as const;

/** `contextValue`s of the Kernels view's items (package.json `viewItem` clauses match these). */
export const KernelViewItems = {
  /** A kernel this window runs. */
  attached: 'berth.kernel.attached',
  /** A Berth container this window does not drive (kept alive, or another window's). */
  detached: 'berth.kernel.detached',
} as const;

/** The kernel source controllers' notebook type and the extension id `notebook.selectKernel` needs. */
export const Notebooks = {
  type: 'jupyter-notebook',
  extensionId: 'berth.berth',
  /** Key of Berth's environment record in the .ipynb's top-level metadata. */
  metadataKey: 'berth',
} as const;

export const Settings = {
  section: 'berth',
  dockerHost: 'docker.host',
  kernelKeepAlive: 'kernel.keepAlive',
  kernelPrestart: 'kernel.prestart',
  kernelIdleTimeout: 'kernel.idleTimeout',
  kernelEnv: 'kernel.env',
  kernelMounts: 'kernel.mounts',
  outputMaxBytes: 'output.maxBytes',
  buildArgs: 'build.args',
  buildTarget: 'build.target',
  buildContext: 'build.context',
  buildOverrides: 'build.overrides',
  kubeconfig: 'kubernetes.kubeconfig',
  kubernetesContext: 'kubernetes.context',
  kubernetesNamespace: 'kubernetes.namespace',
  kubernetesTargets: 'kubernetes.targets',
  kubernetesCopyLimitMB: 'kubernetes.copyLimitMB',
  podLogTailLines: 'kubernetes.logTailLines',
  registry: 'registry',
  docsRImage: 'docs.rImage',
  docsPandocImage: 'docs.pandocImage',
} as const;

/** Keys of Berth's per-workspace memento. */
export const StateKeys = {
  /** + the Dockerfile's URI: the tag last used to build it. */
  buildTagPrefix: 'berth.build.tag:',
  /** + the image reference: the target last used to push it. */
  pushTargetPrefix: 'berth.push.target:',
  /** The context chosen in the Cluster view (wins over berth.kubernetes.context until that setting changes). */
  clusterContext: 'berth.cluster.context',
  /** Namespaces chosen in the Cluster view, per context. */
  clusterNamespaces: 'berth.cluster.namespaces',
  /** Pod targets started from the Cluster view (Start Kernel Here), newest first: kernel picker entries. */
  startedPodTargets: 'berth.kubernetes.startedTargets',
} as const;

/** The one DiagnosticCollection of build failures. */
export const DiagnosticCollections = {
  build: 'berth.build',
  /** Knit and Export failures: a failing chunk, a missing image or bibliography, a LaTeX error. */
  docs: 'berth.docs',
} as const;
