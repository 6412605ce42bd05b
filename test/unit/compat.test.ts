import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PathMatcher, normaliseBody } from '../../src/server/http/compat.js';

function matcher(...routes: string[]): PathMatcher {
  const m = new PathMatcher();
  for (const r of routes) m.learn(r);
  return m;
}

describe('PathMatcher', () => {
  const m = matcher(
    '/api/v2.1/User/:id',
    '/api/v2.1/User/Search',
    '/api/v2.1/User/:id/Archive',
    '/api/v2.1/User/:id/offthejob',
    '/api/v2.1/Unit/:id',
    '/api/v2.1/Unit/Search',
    '/api/v2.1/Unit/:unitId/Assign/:learnerId/:standardId',
    '/api/v2.1/LearningAim/Search',
    '/keychain/verify/:token',
    '/docs/*',
  );

  test('fixed words take their registered spelling; a trailing slash goes; the query is kept as sent', () => {
    assert.equal(m.rewrite('/API/V2.1/user/search/?x=Search'), '/api/v2.1/User/Search?x=Search');
    assert.equal(m.rewrite('/api/v2.1/user/5/OFFTHEJOB'), '/api/v2.1/User/5/offthejob');
    assert.equal(m.rewrite('/api/v2.1/learningaim/search//'), '/api/v2.1/LearningAim/Search');
  });

  test('parameter values are never changed, whatever they spell', () => {
    assert.equal(m.rewrite('/api/v2.1/unit/archive'), '/api/v2.1/Unit/archive');
    assert.equal(m.rewrite('/api/v2.1/unit/KS_COMM1'), '/api/v2.1/Unit/KS_COMM1');
    assert.equal(m.rewrite('/api/v2.1/unit/A%2FB/assign/5/7'), '/api/v2.1/Unit/A%2FB/Assign/5/7');
    assert.equal(m.rewrite('/api/v2.1/unit/Search%20/assign/5/7'), '/api/v2.1/Unit/Search%20/Assign/5/7');
    assert.equal(m.rewrite('/keychain/verify/Search'), '/keychain/verify/Search');
  });

  test('a fixed word beats a parameter at the same position (Search is a search, not ID "Search")', () => {
    assert.equal(m.rewrite('/api/v2.1/unit/search'), '/api/v2.1/Unit/Search');
  });

  test('wildcard routes take the rest of the path; unknown paths are left alone but for the trailing slash', () => {
    assert.equal(m.rewrite('/DOCS/static/index.css'), '/docs/static/index.css');
    assert.equal(m.rewrite('/api/v2.1/Nothing/Here/'), '/api/v2.1/Nothing/Here');
    assert.equal(m.rewrite('/'), '/');
  });

  test('two routes whose fixed words differ only in case fail at start-up', () => {
    assert.throws(() => matcher('/api/v2.1/Review/Search', '/api/v2.1/review/search'), /differ only in letter case/);
    assert.doesNotThrow(() => matcher('/api/v2.1/User/:id', '/api/v2.1/User/:id'));
  });
});

describe('normaliseBody', () => {
  const schema = {
    type: 'object',
    properties: {
      Items: { type: 'array', items: { type: 'object', properties: { UnitID: { type: 'string' }, Weight: { type: 'integer' }, Done: { type: 'boolean' } } } },
      Owner: { type: 'object', properties: { FirstName: { type: 'string' } } },
    },
  };

  test('keys inside nested objects and arrays of objects are matched case-insensitively, and unknown ones dropped', () => {
    assert.deepEqual(normaliseBody({ items: { 0: { unitid: 'KS1', WEIGHT: '2', done: 'TRUE', junk: 1 } }, owner: { firstname: 'Ann', x: 1 } }, schema), {
      Items: [{ UnitID: 'KS1', Weight: 2, Done: true }],
      Owner: { FirstName: 'Ann' },
    });
  });
});
