/** Command, view, setting and context-key ids. They must match package.json `contributes`. */
export const Commands = {
  refreshImages: 'berth.images.refresh',
  showLog: 'berth.showLog',
  buildImage: 'berth.build.image',
  cancelBuild: 'berth.build.cancel',
  /** Internal (hidden from the palette): shows and selects a tagged image in the Images view. */
  revealImage: 'berth.images.reveal',
  /** Contributed by the kernels feature when present: selects a Berth kernel on the image for a notebook. */
  selectKernelForNotebook: 'berth.kernels.selectForNotebook',
  openDocsPreview: 'berth.docs.openPreviewToSide',
  refreshDocs: 'berth.docs.refresh',
  /** Internal (leading underscore: never in the palette): what the preview shows, for the e2e suite. */
  docsPreviewState: '_berth.docs.previewState',
  /** Internal: the Docs view's tree model, for the e2e suite. */
  docsTree: '_berth.docs.tree',
} as const;

export const WebviewTypes = {
  docsPreview: 'berth.docsPreview',
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
} as const;

export const Settings = {
  section: 'berth',
  dockerHost: 'docker.host',
  buildArgs: 'build.args',
  buildTarget: 'build.target',
  buildContext: 'build.context',
  buildOverrides: 'build.overrides',
} as const;

/** Keys of Berth's per-workspace memento. */
export const StateKeys = {
  /** + the Dockerfile's URI: the tag last used to build it. */
  buildTagPrefix: 'berth.build.tag:',
} as const;

/** The one DiagnosticCollection of build failures. */
export const DiagnosticCollections = {
  build: 'berth.build',
} as const;
