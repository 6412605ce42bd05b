import type { Queryable } from '../db/client.js';
import { insertAudit } from '../db/audit.repository.js';
import { createStandard } from '../resources/standards/standards.service.js';
import { saveUnit } from '../resources/units/units.service.js';
import { createTemplate } from '../resources/framework-templates/framework-templates.service.js';
import { giveStandard } from '../resources/learning-aims/learning-aims.service.js';
import { giveUnit } from '../resources/unit-summaries/unit-summaries.service.js';
import * as aims from '../resources/learning-aims/learning-aims.repository.js';
import { setSummarySlot } from '../resources/unit-summaries/unit-summaries.repository.js';
import { addAdditional } from '../resources/assignments/assignments.repository.js';

interface DemoStandard {
  title: string;
  reference: string;
  version: string;
  level: number;
  otjHours: number;
  units: [string, string][];
}

/**
 * Two real apprenticeship standards per centre, with units named like their knowledge and
 * skills statements. OTJ hours are typical published minimums (20% of a 30-hour week over
 * the standard's typical duration, less leave).
 */
const CATALOGUE: DemoStandard[][] = [
  [
    {
      title: 'Business Administrator',
      reference: 'ST0070',
      version: '1.0',
      level: 3,
      otjHours: 372,
      units: [
        ['KS_COMM1', 'Communication'],
        ['KS_ORG2', 'The organisation'],
        ['KS_STAKE3', 'Stakeholders'],
        ['KS_IT4', 'IT skills'],
        ['KS_PROJ5', 'Project management'],
      ],
    },
    {
      title: 'Customer Service Practitioner',
      reference: 'ST0072',
      version: '1.1',
      level: 2,
      otjHours: 278,
      units: [
        ['CS_K1', 'Knowing your customers'],
        ['CS_K2', 'Understanding the organisation'],
        ['CS_S1', 'Interpersonal skills'],
        ['CS_B1', 'Developing self'],
      ],
    },
  ],
  [
    {
      title: 'Digital Marketer',
      reference: 'ST0116',
      version: '1.0',
      level: 3,
      otjHours: 372,
      units: [
        ['DM_K1', 'Marketing principles'],
        ['DM_K2', 'Digital channels and platforms'],
        ['DM_S1', 'Analytics and reporting'],
        ['DM_S2', 'Content creation'],
      ],
    },
    {
      title: 'Software Developer',
      reference: 'ST0119',
      version: '1.1',
      level: 4,
      otjHours: 400,
      units: [
        ['SD_K1', 'Software development lifecycle'],
        ['SD_K2', 'Secure development'],
        ['SD_S1', 'Logic, testing and debugging'],
        ['SD_S2', 'Version control and deployment'],
      ],
    },
  ],
];

const AIM_STATUSES = ['On programme', 'Break in learning', 'Gateway', 'Achieved', 'Withdrawn'];

/** Standards, units, learning-aim statuses and a template for one centre, and a programme with staff for each of its learners. */
export async function seedProgramme(tx: Queryable, customerId: number, org: { id: number; users: Record<string, number> }, index: number): Promise<void> {
  const actor = 'seed';
  const [main, second] = CATALOGUE[index % CATALOGUE.length]!;
  const standards: number[] = [];
  for (const s of [main!, second!]) {
    const row = await createStandard(tx, customerId, { ...s, organisationIds: [org.id] }, actor);
    for (const [i, [id, title]] of s.units.entries()) {
      await saveUnit(
        tx,
        customerId,
        { id, title, ndaqCode: `60${index + 3}/${String(4000 + i * 17).padStart(4, '0')}/${i + 1}`, display: i + 1, standardIds: [row.ID] },
        actor,
      );
    }
    standards.push(row.ID);
  }
  const statuses: number[] = [];
  for (const name of AIM_STATUSES) {
    const made = (await aims.insertLearningAimStatus(tx, org.id, name))!;
    await insertAudit(tx, customerId, actor, 'learning_aim_status', made.id, 'create', {
      OrganisationID: { old: null, new: org.id },
      Name: { old: null, new: name },
    });
    statuses.push(made.id);
  }
  const mainUnits = main!.units.map(([id]) => id);
  await createTemplate(
    tx,
    customerId,
    org.id,
    `${main!.title} L${main!.level} (18 months)`,
    [
      { standardId: standards[0]!, weighting: 100, startOffsetDays: 0, endOffsetDays: 548 },
      ...mainUnits.map((unitId, i) => ({
        standardId: standards[0]!,
        unitId,
        weighting: Math.round(100 / mainUnits.length),
        startOffsetDays: i * 90,
        endOffsetDays: i * 90 + 180,
      })),
    ],
    actor,
  );

  // Learners 1 and 2 follow the main standard with every unit; learner 3 the second standard.
  const plan: [string, number, string[]][] = [
    ['learner1', 0, mainUnits],
    ['learner2', 0, mainUnits],
    ['learner3', 1, second!.units.map(([id]) => id).slice(0, 2)],
  ];
  for (const [key, which, units] of plan) {
    const learnerId = org.users[key]!;
    const learner = (await aims.lockLearner(tx, customerId, learnerId))!;
    const { aim } = await giveStandard(tx, customerId, actor, learner, standards[which]!, { startDays: -30, endDays: 518 });
    const slots: [number, aims.Slot, string][] = [
      [org.users.assessor!, 'assessor_id', 'AssessorID'],
      [org.users.iqa!, 'iqa_id', 'IQAID'],
    ];
    for (const [staff, slot, field] of slots) {
      await aims.setAimSlot(tx, aim.id, slot, staff);
      await insertAudit(tx, customerId, actor, 'learning_aim', aim.id, 'update', { [field]: { old: null, new: staff } });
    }
    await aims.setStatus(tx, aim.id, statuses[0]!);
    await insertAudit(tx, customerId, actor, 'learning_aim', aim.id, 'update', { Status: { old: null, new: statuses[0] } });
    for (const [i, unitId] of units.entries()) {
      const summary = await giveUnit(tx, customerId, actor, learner, aim.id, unitId, { startDays: -30 + i * 90, endDays: 150 + i * 90 });
      if (i === 0) {
        await setSummarySlot(tx, summary.id, 'assessor_id', org.users.trainee!);
        await setSummarySlot(tx, summary.id, 'iqa_id', org.users.iqa!);
        await insertAudit(tx, customerId, actor, 'unit_summary', summary.id, 'update', {
          AssessorID: { old: null, new: org.users.trainee },
          IQAID: { old: null, new: org.users.iqa },
        });
      }
    }
  }
  for (const [staff, learner] of [
    [org.users.observer!, org.users.learner1!],
    [org.users.employer!, org.users.learner2!],
  ] as const) {
    await addAdditional(tx, customerId, learner, staff);
    await insertAudit(tx, customerId, actor, 'assignment', learner, 'create', {
      LearnerID: { old: null, new: learner },
      UserID: { old: null, new: staff },
      Level: { old: null, new: 1 },
      OrganisationID: { old: null, new: org.id },
    });
  }
}
