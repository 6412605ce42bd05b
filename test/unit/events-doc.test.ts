import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AuditEntities } from '../../src/contract/audit.js';
import { recordType } from '../../src/server/resources/events/event-types.js';

test('docs/events.md names the events of every kind of audited record', () => {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const missing = AuditEntities.filter((e) => !doc.includes(`\`${recordType(e)}.`));
  assert.deepEqual(missing, [], 'record types with no line in docs/events.md');
});
