/**
 * Types derived from the generated contract (src/generated/api.ts). Paths are written as the
 * contract writes them, relative to `/api/v2.1`: `/User/Search`, `/Classroom`, `/User/{id}`.
 * A path the generated document does not know still works everywhere; it is just untyped.
 */
import type { paths } from './generated/api.js';

export type { paths };

export const API_PREFIX = '/api/v2.1';
type Prefix = typeof API_PREFIX;
type Full<P extends string> = `${Prefix}${P}`;

/** Every contract path, relative to /api/v2.1. */
export type ApiPath = keyof paths extends infer K ? (K extends `${Prefix}${infer R}` ? R : never) : never;

type Op<P extends string, M extends string> = Full<P> extends keyof paths ? (M extends keyof paths[Full<P>] ? NonNullable<paths[Full<P>][M]> : never) : never;

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type BodyOf<O> = O extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never;
type OkOf<O> = O extends { responses: infer R } ? (200 extends keyof R ? JsonOf<R[200]> : undefined) : never;

/** The `/X/Search` paths the contract knows. */
export type SearchPath = { [P in ApiPath]: P extends `${string}/Search` ? (Op<P, 'post'> extends never ? never : P) : never }[ApiPath];

/** The filter a search takes: the contract's, or any object for a path it does not know. */
export type SearchFilter<P extends string> = P extends SearchPath ? BodyOf<Op<P, 'post'>> : Record<string, unknown>;

/** One row a search yields. */
export type SearchRow<P extends string> = P extends SearchPath
  ? OkOf<Op<P, 'post'>> extends (infer R)[]
    ? R
    : Record<string, unknown>
  : Record<string, unknown>;

/** Paths that create a record with POST (no `{id}` in them). */
export type CreatePath = {
  [P in ApiPath]: P extends `${string}{${string}` | `${string}/Search` | '/Authentication' ? never : Op<P, 'post'> extends never ? never : P;
}[ApiPath];

export type CreateBody<P extends string> = P extends CreatePath ? BodyOf<Op<P, 'post'>> : Record<string, unknown>;

/** What a GET of a path answers. */
export type GetResult<P extends string> = P extends ApiPath ? OkOf<Op<P, 'get'>> : unknown;

/** The body a POST to a path takes (updates are `POST /X/{id}`). */
export type PostBody<P extends string> = P extends ApiPath ? BodyOf<Op<P, 'post'>> : Record<string, unknown>;

/** The `{name}` placeholders of a path template, as an object to fill them from. */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the identity of the intersection, a path with no placeholders
export type PathParams<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? { [K in N]: string | number } & PathParams<Rest> : {};

export type User = NonNullable<GetResult<'/User/{id}'>>;
export type CreateUser = CreateBody<'/User'>;
export type UpdateUser = PostBody<'/User/{id}'>;
export type UserFilter = SearchFilter<'/User/Search'>;
