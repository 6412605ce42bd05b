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
  LEARNER_INVALID: { code: -160, status: 400, text: 'The learner is not a learner (role 1) of this customer, or not of the organisation named.' },
  ASSESSOR_INVALID: { code: -161, status: 400, text: "The assessor is not an Assessor/Tutor or Trainee Assessor of the learner's organisation." },
  EMPLOYER_INVALID: { code: -162, status: 400, text: "The employer is not an Employer of the learner's organisation." },
  VISIT_INVALID: { code: -163, status: 400, text: 'The visit is not a visit of this learner.' },
  REVIEW_STATUS_INVALID: { code: -164, status: 400, text: 'The review status is not one of 0, 1, 2, 3, 4, 5.' },
  REVIEW_SIGNATURE_INVALID: { code: -165, status: 400, text: 'The review cannot be signed so: the assessor signs first, and a cancelled review is not signed.' },
  DATES_OUT_OF_ORDER: { code: -166, status: 400, text: 'An end (DateTo, EndTime, ToDate) is not after its start.' },
  VISIT_TYPE_INVALID: { code: -167, status: 400, text: "The visit type is neither built in (1, 2, 3) nor one of the organisation's own." },
  PROVIDER_NOT_FOUND: { code: -168, status: 400, text: "The provider is not one of the customer's training providers." },
  CONFLICT: { code: -180, status: 409, text: 'The operation conflicts with what is already there.' },
  UNAUTHORISED: { code: -401, status: 401, text: 'The customer token or session token is missing, unknown or expired.' },
  NOT_FOUND: { code: -404, status: 404, text: 'No such record.' },
  RATE_LIMITED: { code: -429, status: 429, text: 'Too many calls for this customer in this minute.' },
  INTERNAL: { code: -500, status: 500, text: 'The server failed to complete the request.' },
} as const;

export type ErrorName = keyof typeof ErrorCodes;
