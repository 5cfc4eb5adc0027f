// This machine, as the ownership labels see it: a stable host identity, and the start stamps of its processes.
// Which identity, and why: the hashed /etc/machine-id together with the pid namespace (see core/kernels/hostStamps).
// The machine id is what systemd, D-Bus and every Debian-like system already keep stable across reboots and user
// accounts, so the CLI, a VS Code window and a test host on one machine agree on it whatever their HOME or
// XDG_* directories are. Where there is none (macOS, Windows, minimal containers) a random id is generated once
// and kept in the user's config directory.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { hostIdFrom, linuxStartStamp, psStartStamp } from '../../core/kernels/hostStamps';
import type { OwnerStamp, ProcessState, ThisHost } from '../../core/kernels/ownerLiveness';

export class LocalHost implements ThisHost {
  readonly id: string;

  constructor(private readonly platform: NodeJS.Platform = process.platform) {
    this.id = hostIdFrom(machineId() ?? storedHostId(platform), pidNamespace());
  }

  process(pid: number): ProcessState {
    if (!isRunning(pid)) return { running: false };
    return { running: true, start: this.startStamp(pid) };
  }

  /** The labels' owner stamp for a process of this host (usually this process or its parent). */
  stampOf(pid: number): OwnerStamp {
    return { host: this.id, pid, pidStart: this.startStamp(pid) };
  }

  private startStamp(pid: number): string | undefined {
    if (this.platform === 'linux') {
      const stat = readText(`/proc/${pid}/stat`);
      return stat === undefined ? undefined : linuxStartStamp(stat, readText('/proc/sys/kernel/random/boot_id') ?? '');
    }
    if (this.platform === 'win32') return undefined;
    try {
      return psStartStamp(execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return undefined;
    }
  }
}

let shared: LocalHost | undefined;

/** One per process: the identity is read once. */
export function localHost(): LocalHost {
  shared ??= new LocalHost();
  return shared;
}

/** `process.kill(pid, 0)`: EPERM means the process exists but belongs to somebody else. */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function machineId(): string | undefined {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const id = readText(file)?.trim();
    if (id) return id;
  }
  return undefined;
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

function configDir(platform: NodeJS.Platform): string {
  if (platform === 'win32') return process.env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support');
  return process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
}

/** A random id made once per user and machine; the first writer wins a race (`wx`), the others read its file. */
function storedHostId(platform: NodeJS.Platform): string {
  const file = path.join(configDir(platform), 'berth', 'host-id');
  const existing = readText(file)?.trim();
  if (existing) return existing;
  const id = randomUUID();
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch {
    // Lost the race (the winner's id is there now) or the directory is read-only (then this process's id is used).
    return readText(file)?.trim() || id;
  }
}
