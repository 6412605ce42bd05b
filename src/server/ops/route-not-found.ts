import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/app-error.js';
import { sendError } from '../http/errors.js';

interface Known {
  method: string;
  segments: string[];
}

/**
 * A path no route matches is a client's mistake (a typo, a wrong method), not a missing
 * record, so it gets its own code (-120) and a message that says so; where a registered
 * route differs by one segment spelt nearly the same (ignoring case), or by the method
 * only, the message names it.
 */
export class RouteIndex {
  private readonly routes: Known[] = [];

  learn(method: string | string[], url: string): void {
    if (url.includes('*')) return;
    for (const m of Array.isArray(method) ? method : [method]) {
      if (m === 'HEAD' || m === 'OPTIONS') continue;
      this.routes.push({ method: m, segments: url.split('/').filter(Boolean) });
    }
  }

  /** The message for a request that matched nothing. */
  explain(method: string, rawPath: string): string {
    const path = rawPath.length > 200 ? `${rawPath.slice(0, 200)}...` : rawPath;
    const given = rawPath.split('/').filter(Boolean);
    const methods = new Set<string>();
    let near: { path: string; method: string; distance: number } | undefined;
    for (const route of this.routes) {
      const mismatch = compare(route.segments, given);
      if (mismatch === undefined) continue;
      if (mismatch.distance === 0) {
        methods.add(route.method);
        continue;
      }
      if (route.method !== method) continue;
      if (!near || mismatch.distance < near.distance) near = { path: mismatch.suggestion, method: route.method, distance: mismatch.distance };
    }
    const base = `There is no route ${method} ${path}`;
    if (methods.size > 0) return `${base}; that path answers ${[...methods].sort().join(', ')}.`;
    if (near) return `${base}. Did you mean ${near.method} ${near.path}?`;
    return `${base}.`;
  }
}

/**
 * How far a route pattern is from the given segments: 0 when it matches, the edit distance
 * of the one static segment that differs (case ignored) when it is close, else undefined.
 */
function compare(pattern: string[], given: string[]): { distance: number; suggestion: string } | undefined {
  if (pattern.length !== given.length) return undefined;
  let distance = 0;
  const suggestion: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const g = given[i]!;
    if (p.startsWith(':')) {
      suggestion.push(g);
      continue;
    }
    // Case never matters in a path (the matcher folds it), so a fixed word is suggested as registered.
    if (p.toLowerCase() === g.toLowerCase()) {
      suggestion.push(p);
      continue;
    }
    if (distance > 0) return undefined;
    const d = editDistance(p.toLowerCase(), g.toLowerCase());
    if (d > Math.min(2, Math.floor(p.length / 3))) return undefined;
    distance = d;
    suggestion.push(p);
  }
  return { distance, suggestion: `/${suggestion.join('/')}` };
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Learns every route as it registers and answers unmatched requests with -120. */
export function registerRouteNotFound(app: FastifyInstance): void {
  const index = new RouteIndex();
  app.addHook('onRoute', (route) => index.learn(route.method, route.url));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    return sendError(reply, new AppError('ROUTE_NOT_FOUND', index.explain(request.method, path)));
  });
}
