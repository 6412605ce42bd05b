/**
 * The layer rules (ARCHITECTURE.md): routes -> services -> repositories, nothing upward,
 * no cycles; the contract and the client package stand alone. `npm run lint` checks them.
 */
const repository = '\\.repository\\.ts$';
const service = '\\.service\\.ts$';
const routes = '\\.routes\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles make start-up order and layering unreadable.',
      from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    { name: 'routes-use-services', severity: 'error',
      comment: 'A route calls a service; only services (and db/) reach repositories.',
      from: { path: routes }, to: { path: repository } },
    { name: 'repositories-stay-down', severity: 'error',
      comment: 'A repository is SQL in, plain objects out: it imports no service, route or HTTP code.',
      from: { path: repository }, to: { path: [service, routes, '^src/server/http/'] } },
    { name: 'services-know-no-http', severity: 'error',
      comment: 'Services are callable from the CLI and the admin API alike: no routes, no HTTP layer (but the one body validator, which bulk operator paths share with the routes).',
      from: { path: service }, to: { path: [routes, '^src/server/http/'], pathNot: '^src/server/http/validator\\.ts$' } },
    { name: 'cli-calls-services', severity: 'error',
      comment: 'The CLI runs operator operations (in-process or through the admin API), never repositories.',
      from: { path: '^src/cli/' }, to: { path: repository } },
    { name: 'domain-knows-no-http', severity: 'error',
      comment: 'Domain rules (validation, secrets, errors, limits) are called by services: no routes, services or HTTP code.',
      from: { path: '^src/server/domain/' }, to: { path: ['^src/server/http/', routes, '^src/server/resources/.*' + service] } },
    { name: 'contract-is-a-leaf', severity: 'error',
      comment: 'The contract (schemas, codes) is shared by server, CLI and clients: it imports none of them.',
      from: { path: '^src/contract/' }, to: { path: ['^src/(server|cli)/', '^packages/'] } },
    { name: 'client-stands-alone', severity: 'error',
      comment: 'The published client package carries no server code.',
      from: { path: '^packages/client/src/' }, to: { path: '^src/' } },
    { name: 'server-ignores-cli', severity: 'error',
      from: { path: '^src/server/' }, to: { path: '^src/cli/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
