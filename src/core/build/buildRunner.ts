import { BerthError, CancelledError } from '../common/errors';
import { describeBuildFailure, type BuildFailure } from './buildFailure';
import { buildSteps, parseDockerfile, type DockerfileInstruction } from './dockerfile';
import type { BuildRequest, ImageBuilder } from './imageBuilder';

/** The build failed; `failure` says why and where. */
export class BuildFailedError extends BerthError {
  constructor(readonly failure: BuildFailure) {
    super(failure.summary);
  }
}

export interface BuildStep {
  readonly index: number;
  readonly total: number;
  readonly instruction: string;
  /** 0-based Dockerfile line of the instruction, when the step maps to one. */
  readonly line?: number;
}

export interface BuildListener {
  onLog?(text: string): void;
  onStep?(step: BuildStep): void;
}

export interface BuildResult {
  readonly imageId: string;
  readonly tag: string;
}

/** How many output chunks of the running step are kept to explain a failure. */
const KEPT_STEP_OUTPUT = 200;

/**
 * Runs one build: streams log and steps to `listener`, maps each step to its Dockerfile instruction, and turns
 * an engine error into a BuildFailedError that names the instruction's line.
 */
export async function runBuild(builder: ImageBuilder, request: BuildRequest, dockerfileText: string, listener: BuildListener, signal?: AbortSignal): Promise<BuildResult> {
  const steps = buildSteps(parseDockerfile(dockerfileText), request.target);
  let current: DockerfileInstruction | undefined;
  let stepOutput: string[] = [];
  let imageId: string | undefined;
  let error: { message: string } | undefined;

  await builder.build(
    request,
    (event) => {
      switch (event.kind) {
        case 'log':
          listener.onLog?.(event.text);
          stepOutput.push(event.text);
          if (stepOutput.length > KEPT_STEP_OUTPUT) {
            stepOutput = stepOutput.slice(-KEPT_STEP_OUTPUT);
          }
          break;
        case 'step':
          current = instructionForStep(steps, event.index, event.total, event.instruction);
          stepOutput = [];
          listener.onStep?.({ index: event.index, total: event.total, instruction: event.instruction, ...(current ? { line: current.startLine } : {}) });
          break;
        case 'imageId':
          imageId = event.id;
          break;
        case 'error':
          error ??= { message: event.message };
          break;
      }
    },
    signal,
  );
  if (signal?.aborted) {
    throw new CancelledError();
  }
  if (error) {
    throw new BuildFailedError(describeBuildFailure({ message: error.message, step: current, stepOutput: stepOutput.filter((t) => !/^Step \d+\/\d+ : /.test(t)) }));
  }
  if (!imageId) {
    throw new BuildFailedError({ summary: 'The engine ended the build without reporting an image.', detail: 'The engine ended the build without reporting an image.' });
  }
  return { imageId, tag: request.tag };
}

/**
 * The instruction behind "Step index/total : text", if the Dockerfile as parsed agrees with the engine. The
 * engine appends steps of its own after the Dockerfile's (a LABEL step for the build's labels), so `total`
 * may exceed the instruction count.
 */
export function instructionForStep(steps: readonly DockerfileInstruction[], index: number, total: number, text: string): DockerfileInstruction | undefined {
  const candidate = steps[index - 1];
  const keyword = text.trim().split(/\s+/, 1)[0]?.toUpperCase();
  if (!candidate || total < steps.length || candidate.keyword !== keyword) {
    return undefined;
  }
  return candidate;
}
