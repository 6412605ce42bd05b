// `npm start` runs the compiled server; say how to build it rather than failing with "Cannot find module".
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/src/server/main.js', import.meta.url))) {
  console.error(
    'learnfile: the server is not built yet. Run `npm run build` (after `npm ci`), then `npm start`;\n' +
      'or, for development, `npm run dev` runs the TypeScript directly.',
  );
  process.exit(1);
}
