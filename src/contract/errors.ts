/**
 * The closed list of error codes the API answers with, and the HTTP status of each.
 * Codes -11, -57 and -58 come from the vendor's API; the rest are learnfile's own and,
 * once published, never change meaning. docs/errors.md is written from this table.
 */
export const ErrorCodes = {
  ORGANISATION_NOT_FOUND: { code: -11, status: 400, text: 'The organisation does not exist.' },
  PLACEMENT_NOT_FOUND: { code: -57, status: 400, text: 'The placement does not exist in this organisation.' },
  CLASSROOM_NOT_FOUND: { code: -58, status: 400, text: 'The classroom does not exist in this organisation.' },
  INVALID_FIELD: { code: -100, status: 400, text: 'A field is missing or malformed.' },
  INVALID_BODY: { code: -101, status: 400, text: 'The request body could not be read as JSON or a form.' },
  INVALID_PAGE: { code: -102, status: 400, text: 'The page number or page size is out of range.' },
  INVALID_ROLE: { code: -103, status: 400, text: 'Role is not one of 1, 4, 5, 10, 40, 45.' },
  DEFAULT_ASSESSOR_INVALID: { code: -104, status: 400, text: 'The default assessor is not an Assessor/Tutor or Trainee Assessor of this organisation.' },
  DEFAULT_EMPLOYER_INVALID: { code: -105, status: 400, text: 'The default employer is not an Employer of this organisation.' },
  LEARNER_STATUS_NOT_FOUND: { code: -106, status: 400, text: "The learner status is not one of the organisation's learner statuses." },
  ULN_INVALID: { code: -107, status: 400, text: 'The ULN is not a valid Unique Learner Number.' },
  NINO_INVALID: { code: -108, status: 400, text: 'The NINO is not a valid National Insurance number.' },
  USER_ARCHIVED: { code: -109, status: 400, text: 'The user is archived and read-only until unarchived.' },
  USER_HAS_PROGRESS: { code: -110, status: 400, text: 'The user has learning aims with recorded progress and cannot be deleted.' },
  USER_IN_USE: { code: -111, status: 400, text: 'The user is still the default assessor or employer of a learner.' },
  CONFLICT: { code: -180, status: 409, text: 'The operation conflicts with what is already there.' },
  ASSIGN_LEVEL_INVALID: { code: -130, status: 400, text: 'Level is not 3 (learning aim), 2 (unit summary) or 1 (additional).' },
  ASSIGN_ROLE_INVALID: { code: -131, status: 400, text: 'The user cannot be assigned at this level: levels 3 and 2 take assessors and IQAs; level 1 also employers and observers.' },
  LEARNER_INVALID: { code: -132, status: 400, text: 'The user is not a learner of this customer.' },
  STAFF_ARCHIVED: { code: -133, status: 400, text: 'The staff member is archived and cannot be given new assignments.' },
  NOT_SAME_ORGANISATION: { code: -134, status: 400, text: 'The staff member and the learner belong to different organisations.' },
  STANDARD_NOT_FOUND: { code: -135, status: 400, text: "The standard does not exist in this customer's catalogue." },
  LEARNING_AIM_MISSING: { code: -136, status: 400, text: 'The learner has no learning aim for the standard.' },
  UNIT_NOT_FOUND: { code: -137, status: 400, text: "The unit does not exist in this customer's catalogue." },
  UNIT_NOT_ASSIGNED: { code: -138, status: 400, text: 'The learner does not have the unit.' },
  UNIT_NOT_IN_STANDARD: { code: -139, status: 400, text: 'The unit does not belong to the standard.' },
  LEARNING_AIM_STATUS_NOT_FOUND: { code: -140, status: 400, text: "The status is not one of the organisation's learning-aim statuses." },
  NOT_AN_EMPLOYER: { code: -141, status: 400, text: 'Only an Employer user can be linked to a placement.' },
  TEMPLATE_NOT_IN_ORGANISATION: { code: -142, status: 400, text: 'The framework template belongs to another organisation than the learner.' },
  UNAUTHORISED: { code: -401, status: 401, text: 'The customer token or session token is missing, unknown or expired.' },
  NOT_FOUND: { code: -404, status: 404, text: 'No such record.' },
  RATE_LIMITED: { code: -429, status: 429, text: 'Too many calls for this customer in this minute.' },
  INTERNAL: { code: -500, status: 500, text: 'The server failed to complete the request.' },
} as const;

export type ErrorName = keyof typeof ErrorCodes;
