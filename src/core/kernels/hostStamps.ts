// The pure halves of this host's identity and of a process's start stamp (adapters/host/localHost reads the files).
import { createHash } from 'node:crypto';

/**
 * A label-safe host identity (16 hex digits, also a valid Kubernetes label value). The machine id is hashed with a
 * Berth-specific key, as machine-id(5) asks of anything that shows it (labels are visible to everybody who can list
 * the engine's containers). The pid namespace is part of it because a pid only means something inside its namespace:
 * two CI jobs in containers sharing the host's Docker socket often share a baked-in machine id, but never a pid
 * namespace, so each sees the other's kernels as another host's and leaves them alone.
 */
export function hostIdFrom(machineId: string, pidNamespace: string): string {
  return createHash('sha256').update(`berth-host-v1\0${machineId.trim()}\0${pidNamespace.trim()}`).digest('hex').slice(0, 16);
}

/**
 * The start stamp of a process from its /proc/PID/stat line: field 22 (start time in clock ticks since boot), with
 * the boot id so that a pid and tick count seen again after a reboot are not the same process. Label-safe.
 * The command name (field 2) may hold spaces and parentheses, so fields are counted from its closing parenthesis.
 */
export function linuxStartStamp(statLine: string, bootId: string): string | undefined {
  const close = statLine.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = statLine.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const ticks = fields[19];
  if (!ticks || !/^\d+$/.test(ticks)) return undefined;
  const boot = bootId.replace(/[^0-9a-f]/gi, '').slice(0, 8).toLowerCase();
  return boot ? `${boot}-${ticks}` : ticks;
}

/** The start stamp from `ps -o lstart= -p PID` (macOS and other Unixes without /proc): a short hash, label-safe. */
export function psStartStamp(lstart: string): string | undefined {
  const text = lstart.trim().replace(/\s+/g, ' ');
  return text ? `ps-${createHash('sha256').update(text).digest('hex').slice(0, 12)}` : undefined;
}
