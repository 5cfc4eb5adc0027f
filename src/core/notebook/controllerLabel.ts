import type { KernelSpecInfo } from '../kernels/api';

/** The kernel picker's label: "Berth: berth/python:latest"; a kernel in another language says which, "Berth: berth/r:latest (R)". */
export function controllerLabel(source: { readonly reference: string; readonly kernelspec: KernelSpecInfo }): string {
  const { language, displayName } = source.kernelspec;
  return language.toLowerCase() === 'python' ? `Berth: ${source.reference}` : `Berth: ${source.reference} (${displayName})`;
}
