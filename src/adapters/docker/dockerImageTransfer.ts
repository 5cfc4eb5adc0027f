// Push and pull through the Docker Engine (dockerode), with credentials from the Docker config file's
// `auths` and the engine's JSON progress stream fed to core's TransferProgress.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { CancelledError, EngineUnreachableError, errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import {
  classifyTransferFailure,
  credentialsFor,
  parseReference,
  registryOf,
  RegistryError,
  TransferProgress,
  type CredentialLookup,
  type ImageTransfer,
  type TransferMessage,
} from '../../core/images/registryTransfer';
import { engineMessage, isNotFound } from './dockerErrors';

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`: where `docker login` writes `auths`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

interface EngineLike {
  readonly docker: Docker;
  readonly address: string;
}

export class DockerImageTransfer implements ImageTransfer {
  constructor(
    private readonly engine: EngineLike,
    private readonly logger: Logger,
    private readonly configPath: () => string = () => dockerConfigPath(),
  ) {}

  private async credentials(reference: string): Promise<CredentialLookup> {
    const path = this.configPath();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return {};
    }
    try {
      const found = credentialsFor(JSON.parse(text), registryOf(reference));
      if (found.helper && !found.auth) this.logger.info(`Docker config ${path} names the credential helper "${found.helper}" for ${registryOf(reference)}; Berth does not run credential helpers.`);
      return found;
    } catch (error) {
      this.logger.warn(`Docker config ${path} is not valid JSON (${errorMessage(error)}); pushing without credentials.`);
      return {};
    }
  }

  async push(image: string, target: string, onProgress: (progress: TransferProgress) => void, signal: AbortSignal): Promise<{ digest?: string }> {
    const docker = this.engine.docker;
    const ref = parseReference(target);
    const repo = `${ref.registry ? `${ref.registry}/` : ''}${ref.path}`;
    const tag = ref.tag ?? 'latest';
    const creds = await this.credentials(target);
    let tagged = false;
    if (image !== target) {
      const existed = await docker.getImage(target).inspect().then(() => true, () => false);
      try {
        await docker.getImage(image).tag({ repo, tag });
      } catch (error) {
        if (isNotFound(error)) throw new RegistryError('noSuchImage', `Push of ${target} failed: there is no local image ${image}.`, { cause: error });
        throw this.failure('push', target, error, creds);
      }
      tagged = !existed;
    }
    try {
      const stream = (await docker.getImage(repo).push({ tag, authconfig: creds.auth, abortSignal: signal })) as NodeJS.ReadableStream;
      return await this.follow('push', target, stream, onProgress, signal, creds);
    } catch (error) {
      // The tag Berth added for this push goes again when the push does not happen: nothing is left behind.
      if (tagged) await docker.getImage(target).remove({ noprune: true }).catch(() => undefined);
      throw error instanceof CancelledError ? error : this.failure('push', target, error, creds, signal);
    }
  }

  async pull(reference: string, onProgress: (progress: TransferProgress) => void, signal: AbortSignal): Promise<{ digest?: string }> {
    const creds = await this.credentials(reference);
    try {
      const stream = (await this.engine.docker.pull(reference, { authconfig: creds.auth, abortSignal: signal })) as NodeJS.ReadableStream;
      return await this.follow('pull', reference, stream, onProgress, signal, creds);
    } catch (error) {
      throw error instanceof CancelledError ? error : this.failure('pull', reference, error, creds, signal);
    }
  }

  private failure(kind: 'push' | 'pull', reference: string, error: unknown, creds: CredentialLookup, signal?: AbortSignal): Error {
    if (signal?.aborted) return new CancelledError();
    if (error instanceof RegistryError) return error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') return new EngineUnreachableError(this.engine.address, `${code}: ${errorMessage(error)}`);
    const message = isNotFound(error) && kind === 'push' ? `no such image: ${reference}` : engineMessage(error);
    return classifyTransferFailure(kind, reference, message, { cause: error, sentCredentials: creds.auth !== undefined, helper: creds.helper });
  }

  /** Reads the engine's JSON lines until the stream ends; an error message in it fails the transfer. */
  private follow(kind: 'push' | 'pull', reference: string, stream: NodeJS.ReadableStream, onProgress: (p: TransferProgress) => void, signal: AbortSignal, creds: CredentialLookup): Promise<{ digest?: string }> {
    const progress = new TransferProgress(kind);
    return new Promise((resolve, reject) => {
      let buffer = '';
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          fn();
        }
      };
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        settle(() => reject(new CancelledError()));
      };
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          let message: TransferMessage;
          try {
            message = JSON.parse(line) as TransferMessage;
          } catch {
            continue;
          }
          const failed = progress.feed(message);
          if (failed !== undefined) {
            const error = classifyTransferFailure(kind, reference, failed, { sentCredentials: creds.auth !== undefined, helper: creds.helper });
            settle(() => reject(error));
            return;
          }
          onProgress(progress);
        }
      });
      stream.on('error', (error: Error) => settle(() => reject(signal.aborted ? new CancelledError() : error)));
      stream.on('end', () => settle(() => resolve({ digest: progress.digest })));
      stream.on('close', () => settle(() => (signal.aborted ? reject(new CancelledError()) : resolve({ digest: progress.digest }))));
    });
  }
}
