import { Type, type Static } from 'typebox';
import { Id, Nullable, withExample } from './common.js';

export const AssignBody = Type.Object(
  {
    LearnerID: Id('The learner (or, in the swapped form, the staff member)'),
    Level: Type.Integer({ description: '3: learning-aim assessor/IQA, 2: unit-summary assessor/IQA, 1: additional' }),
    StandardID: Type.Optional(Id('Level 3: the standard of the learning aim (level 2: narrows the unit to this standard)')),
    UnitID: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Level 2: the unit' })),
  },
  { title: 'AssignBody', examples: [{ LearnerID: 6, Level: 3, StandardID: 1 }] },
);
export type AssignBody = Static<typeof AssignBody>;

export const AssignmentKinds = ['DefaultAssessor', 'DefaultEmployer', 'LearningAim', 'UnitSummary', 'Additional'] as const;

export const Assignment = Type.Object(
  {
    UserID: Type.Integer({ description: 'The staff member' }),
    Role: Type.Integer(),
    Kind: Type.Union(AssignmentKinds.map((k) => Type.Literal(k))),
    Level: Nullable(Type.Integer({ description: '3, 2 or 1 for LearningAim, UnitSummary, Additional; null otherwise' })),
    StandardID: Nullable(Type.Integer()),
    UnitID: Nullable(Type.String({ maxLength: 200 })),
  },
  { title: 'Assignment' },
);
export type Assignment = Static<typeof Assignment>;

export const AssignPlacementParams = Type.Object({
  userId: withExample(Id('The employer user'), 4),
  placementId: withExample(Id(), 1),
  grantAccess: Type.String({ maxLength: 200, description: "true or false: whether the employer may see the placement's learners", examples: ['true'] }),
});
