export { ApiClient, createClient, isIdempotent, type ClientOptions, type Created, type SearchOptions, type WaitEvent } from './client.js';
export { ApiError, type FieldError } from './errors.js';
export { parseJsonArray } from './json-array-stream.js';
export {
  API_PREFIX,
  type ApiPath,
  type CreateBody,
  type CreatePath,
  type CreateUser,
  type GetResult,
  type PathParams,
  type PostBody,
  type SearchFilter,
  type SearchPath,
  type SearchRow,
  type UpdateUser,
  type User,
  type UserFilter,
  type paths,
} from './types.js';

/** The contract's roles (`Role`). */
export const Roles = { Learner: 1, TraineeAssessor: 4, Assessor: 5, IQA: 10, Employer: 40, Observer: 45 } as const;
