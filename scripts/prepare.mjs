// `npm install` in a clone builds the server, so that `npm install && npm start` is the whole
// set-up. A production install (`npm ci --omit=dev`) has no compiler: it skips the build and
// says so (install from the published package, which ships dist/, or build first).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url);
if (!existsSync(tsc)) {
  console.error('learnfile: TypeScript is not installed (a production install?): skipping the build.');
  process.exit(0);
}
const run = spawnSync(process.execPath, [tsc.pathname, '-p', new URL('..', import.meta.url).pathname], { stdio: 'inherit' });
process.exit(run.status ?? 1);
