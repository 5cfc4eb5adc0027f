import * as vscode from 'vscode';
import type { Disposable } from '../../core/common/lifecycle';
import type { RunningServer } from '../../core/kernels/api';
import { resourceName } from './kernelChoice';

interface Followed {
  readonly channel: vscode.OutputChannel;
  readonly follow: Disposable;
  /** The last lines, for tests (an output channel cannot be read back). */
  readonly recent: string[];
}

const RECENT_LINES = 500;

/**
 * Show Logs on a kernel this window does not drive (kept alive, another window's): an output channel per
 * container or pod that follows its Jupyter server's log, reused when asked again.
 */
export class ServerLogs implements vscode.Disposable {
  private readonly followed = new Map<string, Followed>();

  /** Shows the server's log channel (created and followed on first use); returns the channel's name. */
  show(server: RunningServer): string {
    const name = `Berth kernel ${resourceName(server.target, server.resourceId)}`;
    let entry = this.followed.get(server.resourceId);
    if (!entry && server.followLogs) {
      const channel = vscode.window.createOutputChannel(name);
      const recent: string[] = [];
      const follow = server.followLogs((line) => {
        channel.appendLine(line);
        recent.push(line);
        if (recent.length > RECENT_LINES) recent.splice(0, recent.length - RECENT_LINES);
      });
      entry = { channel, follow, recent };
      this.followed.set(server.resourceId, entry);
    }
    entry?.channel.show(true);
    return name;
  }

  /** The last lines shown for the server (tests). */
  recentLines(resourceId: string): readonly string[] {
    return this.followed.get(resourceId)?.recent ?? [];
  }

  dispose(): void {
    for (const { channel, follow } of this.followed.values()) {
      follow.dispose();
      channel.dispose();
    }
    this.followed.clear();
  }
}
