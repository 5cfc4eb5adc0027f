// `npm run cluster -- up | down | status | restart COMPONENT`: the project's local Kubernetes cluster and registry
// (scripts/lib/cluster.mjs). `up` builds what is missing first (scripts/provision/kubernetes.sh, a no-op when cached).
// Exit codes: 0 done (status: up), 1 failed, 3 (status only) down or partly up.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { down, formatStatus, restart, status, up } from './lib/cluster.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const [command, ...rest] = process.argv.slice(2);
const usage = 'usage: npm run cluster -- up | down | status [--json] | restart COMPONENT';

async function main() {
  switch (command) {
    case 'up': {
      const p = spawnSync('bash', ['scripts/provision/kubernetes.sh'], { cwd: ROOT, stdio: 'inherit' });
      if (p.status !== 0) throw new Error(`scripts/provision/kubernetes.sh failed (exit ${p.status ?? p.signal})`);
      await up();
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const s = await status();
      console.log(rest.includes('--json') ? JSON.stringify(s, null, 2) : formatStatus(s));
      return s.up ? 0 : 3;
    }
    case 'restart':
      if (!rest[0]) throw new Error(usage);
      await restart(rest[0]);
      return 0;
    default:
      console.error(usage);
      return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[berth] cluster ${command}: ${error.message}`);
    process.exit(1);
  },
);
