import type { Database, Queryable } from '../db/client.js';
import * as orgs from '../db/organisations.repository.js';
import { insertRecord } from '../db/records.js';
import { classrooms, placements } from '../db/org-records.repository.js';
import { tokenHash } from './secrets.js';

/**
 * The demo customer's token is public on purpose: it is printed at every start so that a
 * person trying learnfile can call the API at once. Production runs set SEED_DEMO=false
 * (or revoke it with `learnfile token revoke`).
 */
export const DEMO_TOKEN = 'learnfile-demo-customer-token';
export const DEMO_CUSTOMER = 'Demo Training Ltd';

export async function isEmpty(db: Queryable): Promise<boolean> {
  return (await db.query('SELECT 1 FROM customers LIMIT 1')).length === 0;
}

export async function demoTokenLive(db: Queryable): Promise<boolean> {
  return (await db.query('SELECT 1 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash(DEMO_TOKEN)])).length > 0;
}

export interface DemoOrganisation { id: number; classrooms: number[]; placements: number[]; statuses: number[] }
export interface DemoResult { customerId: number; organisations: DemoOrganisation[] }

/** Extra records later features add to each demo organisation (staff, learners...). */
export type DemoExtension = (tx: Queryable, customerId: number, org: DemoOrganisation) => Promise<void>;
const extensions: DemoExtension[] = [];
export const extendDemo = (fn: DemoExtension) => { extensions.push(fn); };

/** One customer with two centres, one with Keychain creation on and one off, each fully furnished. */
export async function seedDemo(db: Database): Promise<DemoResult> {
  return db.transaction(async (tx) => {
    const customerId = await orgs.insertCustomer(tx, DEMO_CUSTOMER);
    await orgs.insertApiToken(tx, customerId, tokenHash(DEMO_TOKEN), 'demo (public)');
    const result: DemoResult = { customerId, organisations: [] };
    const centres = [
      { name: 'Northgate College', keychain: false, classes: ['Business Admin L3 - Sep', 'Customer Service L2 - Jan'] },
      { name: 'Riverside Training Centre', keychain: true, classes: ['Digital Marketer L3 - Sep', 'Software Developer L4 - Mar'] },
    ];
    for (const centre of centres) {
      const id = await orgs.insertOrganisation(tx, customerId, { name: centre.name, keychain: centre.keychain, suppressEmail: false });
      const org: DemoOrganisation = { id, classrooms: [], placements: [], statuses: [] };
      for (const status of ['Continuing', 'Break in learning', 'Withdrawn', 'Completed']) {
        org.statuses.push((await orgs.insertLearnerStatus(tx, id, status))!);
      }
      for (const [i, name] of centre.classes.entries()) {
        const row = await insertRecord<{ ID: number }>(tx, classrooms, customerId, {
          OrganisationID: id, Name: name, MISID: `CLS-${id}-${i + 1}`, StartOn: '2026-09-01T00:00:00.000Z',
        }, 'seed');
        org.classrooms.push(row.ID);
      }
      for (const [i, p] of [['Acme Logistics', 'Unit 4, Dock Road, Hull HU1 1AA'], ['Brightside Dental', '12 High Street, York YO1 8AB']].entries()) {
        const row = await insertRecord<{ ID: number }>(tx, placements, customerId, {
          OrganisationID: id, Name: p[0], Address: p[1], Active: true, Contact: 'Office manager',
          Email: `office${i + 1}@example.com`, Telephone: '01632 960000', MISID: `PLC-${id}-${i + 1}`,
        }, 'seed');
        org.placements.push(row.ID);
      }
      for (const extend of extensions) await extend(tx, customerId, org);
      result.organisations.push(org);
    }
    return result;
  });
}
