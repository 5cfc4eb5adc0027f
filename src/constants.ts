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
  kernelEnv: 'kernel.env',
  kernelMounts: 'kernel.mounts',
} as const;
