/**
 * The review status table (1 Scheduled is the vendor's; the others are ours) and how a
 * review moves through it when it is started and signed without an explicit Status.
 */
import { ReviewStatus } from '../../../contract/reviews.js';
import { issue, type FieldIssue } from '../../domain/app-error.js';

export const STATUSES: number[] = Object.values(ReviewStatus);

export interface ReviewState {
  Status: number;
  EmployerID?: number | null | undefined;
  StartedOn?: unknown;
  AssessorSignedOn?: unknown;
  LearnerSignedOn?: unknown;
  EmployerSignedOn?: unknown;
}

const set = (v: unknown) => v !== undefined && v !== null;

/**
 * The status the signatures imply: started -> 2; the assessor signed -> 3; the learner too
 * -> 4; everyone who must sign (the employer only when the review names one) -> 5.
 */
export function impliedStatus(r: ReviewState): number {
  const everyone = set(r.AssessorSignedOn) && set(r.LearnerSignedOn) && (!set(r.EmployerID) || set(r.EmployerSignedOn));
  if (everyone) return ReviewStatus.Completed;
  if (set(r.AssessorSignedOn) && set(r.LearnerSignedOn)) return ReviewStatus.LearnerSigned;
  if (set(r.AssessorSignedOn)) return ReviewStatus.AssessorSigned;
  if (set(r.StartedOn)) return ReviewStatus.Started;
  return ReviewStatus.Scheduled;
}

/**
 * The status after a change. An explicit Status wins (an MIS may be copying another
 * system's record); otherwise the review only moves forward, and a cancelled one stays so.
 */
export function nextStatus(current: ReviewState, merged: ReviewState, explicit: number | undefined): number {
  if (explicit !== undefined) return explicit;
  if (current.Status === ReviewStatus.Cancelled) return ReviewStatus.Cancelled;
  return Math.max(current.Status, impliedStatus(merged));
}

export function checkStatus(issues: FieldIssue[], status: unknown): void {
  if (typeof status === 'number' && !issues.some((i) => i.field === 'Status') && !STATUSES.includes(status)) {
    issues.push(
      issue('Status', 'must be one of 0 Cancelled, 1 Scheduled, 2 Started, 3 Assessor signed, 4 Learner signed, 5 Completed', 'REVIEW_STATUS_INVALID'),
    );
  }
}

const SIGNING = ['StartedOn', 'AssessorSignedOn', 'LearnerSignedOn', 'EmployerSignedOn'] as const;

/** The assessor signs first; a cancelled review (unless this change reopens it) is not started or signed. */
export function checkSigning(issues: FieldIssue[], given: Record<string, unknown>, merged: ReviewState, statusAfter: number): void {
  const signing = SIGNING.filter((f) => given[f] !== undefined);
  if (signing.length > 0 && statusAfter === ReviewStatus.Cancelled) {
    for (const f of signing) issues.push(issue(f, 'cannot be set on a cancelled review', 'REVIEW_SIGNATURE_INVALID'));
    return;
  }
  for (const f of ['LearnerSignedOn', 'EmployerSignedOn'] as const) {
    if (given[f] !== undefined && !set(merged.AssessorSignedOn))
      issues.push(issue(f, 'needs the assessor to sign first (AssessorSignedOn)', 'REVIEW_SIGNATURE_INVALID'));
  }
}
