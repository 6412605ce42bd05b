import type { Database, Queryable } from '../db/client.js';
import * as orgs from '../resources/organisations/organisations.repository.js';
import * as customers from '../resources/customers/customers.repository.js';
import { AppError } from '../domain/app-error.js';
import { seedProgramme } from './demo-programme.js';
import { insertRecord } from '../db/records.js';
import { classrooms, placements } from '../resources/org-records/org-records.repository.js';
import { assignUsername, users } from '../resources/users/users.repository.js';
import { upsertKeychain } from '../resources/keychain/keychain.repository.js';
import { Roles } from '../../contract/users.js';
import { seedJourney } from './demo-journey.js';
import { generatedPassword, tokenHash } from '../domain/secrets.js';

/**
 * The demo customer's token is public on purpose: it is printed at every start so that a
 * person trying learnfile can call the API at once. Production runs set SEED_DEMO=false
 * (or revoke it with `learnfile token revoke`).
 */
export const DEMO_TOKEN = 'learnfile-demo-customer-token';
export const DEMO_CUSTOMER = 'Demo Training Ltd';

export async function isEmpty(db: Queryable): Promise<boolean> {
  return !(await customers.anyCustomer(db));
}

export async function demoTokenLive(db: Queryable): Promise<boolean> {
  return customers.liveTokenWithHash(db, tokenHash(DEMO_TOKEN));
}

export interface DemoResult {
  customerId: number;
  organisations: DemoOrganisation[];
}

export interface DemoOrganisation {
  id: number;
  classrooms: number[];
  placements: number[];
  statuses: number[];
  users: Record<string, number>;
}

/** One customer with two centres, one with Keychain creation on and one off, each fully furnished. */
export async function seedDemo(db: Database): Promise<DemoResult> {
  return db.transaction(async (tx) => {
    const customerId = await customers.insertCustomer(tx, DEMO_CUSTOMER);
    await customers.insertApiToken(tx, customerId, tokenHash(DEMO_TOKEN), 'demo (public)');
    const result: DemoResult = { customerId, organisations: [] };
    const centres = [
      { name: 'Northgate College', keychain: false, classes: ['Business Admin L3 - Sep', 'Customer Service L2 - Jan'] },
      { name: 'Riverside Training Centre', keychain: true, classes: ['Digital Marketer L3 - Sep', 'Software Developer L4 - Mar'] },
    ];
    for (const centre of centres) {
      const id = await orgs.insertOrganisation(tx, customerId, { name: centre.name, keychain: centre.keychain, suppressEmail: false });
      const org: DemoOrganisation = { id, classrooms: [], placements: [], statuses: [], users: {} };
      for (const status of ['Continuing', 'Break in learning', 'Withdrawn', 'Completed']) {
        org.statuses.push((await orgs.insertLearnerStatus(tx, id, status))!);
      }
      for (const [i, name] of centre.classes.entries()) {
        const row = await insertRecord<{ ID: number }>(
          tx,
          classrooms,
          customerId,
          {
            OrganisationID: id,
            Name: name,
            MISID: `CLS-${id}-${i + 1}`,
            StartOn: '2026-09-01T00:00:00.000Z',
          },
          'seed',
        );
        org.classrooms.push(row.ID);
      }
      for (const [i, p] of [
        ['Acme Logistics', 'Unit 4, Dock Road, Hull HU1 1AA'],
        ['Brightside Dental', '12 High Street, York YO1 8AB'],
      ].entries()) {
        const row = await insertRecord<{ ID: number }>(
          tx,
          placements,
          customerId,
          {
            OrganisationID: id,
            Name: p[0],
            Address: p[1],
            Active: true,
            Contact: 'Office manager',
            Email: `office${i + 1}@example.com`,
            Telephone: '01632 960000',
            MISID: `PLC-${id}-${i + 1}`,
          },
          'seed',
        );
        org.placements.push(row.ID);
      }
      await seedPeople(tx, customerId, org, centre.keychain, `c${result.organisations.length + 1}`);
      await seedProgramme(tx, customerId, org, result.organisations.length);
      result.organisations.push(org);
    }
    await seedJourney(tx, result);
    return result;
  });
}

/** Staff of every role and a few learners. Their passwords are random and never shown: the demo is for the API. */
async function seedPeople(tx: Queryable, customerId: number, org: DemoOrganisation, keychain: boolean, tag: string): Promise<void> {
  const [classroom, otherClassroom] = org.classrooms;
  const [placement] = org.placements;
  const people: [string, number, string, string, Record<string, unknown>][] = [
    ['assessor', Roles.Assessor, 'Priya', 'Shah', {}],
    ['trainee', Roles.TraineeAssessor, 'Tom', 'Baker', {}],
    ['iqa', Roles.IQA, 'Grace', 'Okafor', {}],
    ['employer', Roles.Employer, 'Martin', 'Hughes', { PlacementID: placement }],
    ['observer', Roles.Observer, 'Aisha', 'Khan', { PlacementID: placement }],
    [
      'learner1',
      Roles.Learner,
      'Jordan',
      'Taylor',
      { ClassroomID: classroom, ULN: '9276308686', NINO: 'AB123456C', DOB: '2005-03-14T00:00:00.000Z', L12: '31', L13: 'M' },
    ],
    ['learner2', Roles.Learner, 'Chloe', 'Evans', { ClassroomID: classroom, ULN: '1000000000', DOB: '2004-11-02T00:00:00.000Z', L12: '39', L13: 'F' }],
    ['learner3', Roles.Learner, 'Ben', 'Wright', { ClassroomID: otherClassroom, ULN: '9999999999', DOB: '2006-07-21T00:00:00.000Z' }],
  ];
  for (const [key, role, first, last, extra] of people) {
    const email = `${first}.${last}.${tag}@example.com`.toLowerCase();
    const values: Record<string, unknown> = {
      OrganisationID: org.id,
      Role: role,
      FirstName: first,
      LastName: last,
      Email: email,
      MISID: `${tag.toUpperCase()}-${key}`,
      ...extra,
    };
    if (role === Roles.Learner) {
      Object.assign(values, {
        DefaultAssessorID: org.users.assessor,
        DefaultEmployerID: org.users.employer,
        PlacementID: placement,
        LearnerStatusID: org.statuses[0],
        StartOn: '2026-09-01T00:00:00.000Z',
        PlannedEndDate: '2028-08-31T00:00:00.000Z',
      });
    }
    const keychainId = keychain ? (await upsertKeychain(tx, customerId, email)).id : undefined;
    const user = await insertRecord<{ ID: number; FirstName: string; LastName: string }>(
      tx,
      users,
      customerId,
      values,
      'seed',
      keychainId ? { keychain_id: keychainId } : {},
    );
    if (!keychain) await assignUsername(tx, user.ID, `${first[0]}${last}`.toLowerCase(), generatedPassword().hash);
    org.users[key] = user.ID;
  }
}

/** The operator's `seed demo`: loads the demo, replacing an existing one only when forced. */
export class DemoService {
  constructor(private readonly db: Database) {}

  async seed(force: boolean) {
    const existing = await customers.demoCustomers(this.db, DEMO_CUSTOMER, tokenHash(DEMO_TOKEN));
    if (existing.length > 0 && !force) {
      const token = (await demoTokenLive(this.db)) ? `; its token is ${DEMO_TOKEN}` : '';
      throw new AppError(
        'CONFLICT',
        `The demo customer is already loaded (customer ${existing.join(', ')})${token}. Use --force to replace it and everything it holds.`,
      );
    }
    if (existing.length > 0) await customers.deleteCustomers(this.db, existing);
    const { customerId } = await seedDemo(this.db);
    const organisations = (await orgs.listOrganisations(this.db, customerId)).map((o) => ({
      id: o.id,
      name: o.name,
      keychainCreation: o.keychain_creation_active,
    }));
    return { customerId, customerName: DEMO_CUSTOMER, replaced: existing, organisations, token: DEMO_TOKEN };
  }
}
