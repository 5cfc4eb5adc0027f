// Preloaded into `berth run` by the big-output tests (node --require): records the process's peak resident memory.
const { writeFileSync } = require('node:fs');
process.on('exit', () => writeFileSync(process.env.BERTH_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));
