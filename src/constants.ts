/** Command, view, setting and context-key ids. They must match package.json `contributes`. */
export const Commands = {
  refreshImages: 'berth.images.refresh',
  showLog: 'berth.showLog',
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

export const Settings = {
  section: 'berth',
  dockerHost: 'docker.host',
} as const;
