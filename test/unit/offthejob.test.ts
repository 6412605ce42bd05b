// The off-the-job calculation, one worked example per rule, with the arithmetic written out.
// Statutory leave throughout: 5.6 weeks a year, pro rata (weeks x 5.6 / 52).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateOtj, type OtjInput } from '../../src/server/resources/offthejob/offthejob.rules.js';
import { OtjMethods } from '../../src/contract/offthejob.js';

const d = (iso: string) => new Date(`${iso}T00:00:00.000Z`);
const input = (o: Partial<OtjInput>): OtjInput => ({ contractedHours: null, start: null, plannedEnd: null, aims: [], actualHours: 0, ...o });

describe('off-the-job hours: starts before 1 August 2022 (20% of contracted hours less statutory leave)', () => {
  test('full-time, 37.5 hours a week for 52 weeks', () => {
    // 6 Sep 2021 to 5 Sep 2022 = 364 days = 52 weeks; leave 52 x 5.6 / 52 = 5.6 weeks; worked 46.4 weeks.
    // 37.5 h x 46.4 = 1740 h contracted; 20% of 1740 = 348 h.
    const r = calculateOtj(input({ contractedHours: 37.5, start: d('2021-09-06'), plannedEnd: d('2022-09-05') }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.before2022);
    assert.equal(r.Duration, 52);
    assert.equal(r.MinimumOTJ, 348);
    assert.equal(r.PlannedOTJ, 348);
    assert.equal(r.TargetPercentage, 20);
  });

  test('part-time, 16 hours a week for 52 weeks', () => {
    // 16 h x 46.4 weeks = 742.4 h; 20% = 148.48 h.
    const r = calculateOtj(input({ contractedHours: 16, start: d('2021-09-06'), plannedEnd: d('2022-09-05') }));
    assert.equal(r.MinimumOTJ, 148.48);
    assert.equal(r.TargetPercentage, 20);
  });

  test('the last day before the change (31 July 2022) still uses the old rule, uncapped', () => {
    // 31 Jul 2022 to 30 Jul 2023 = 52 weeks; 37.5 h x 46.4 = 1740; 20% = 348 (not 6 x 46.4 = 278.4).
    const r = calculateOtj(input({ contractedHours: 37.5, start: d('2022-07-31'), plannedEnd: d('2023-07-30') }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.before2022);
    assert.equal(r.MinimumOTJ, 348);
  });
});

describe('off-the-job hours: starts from 1 August 2022 (6 hours a week, or 20% of hours below 30)', () => {
  test('full-time, 37.5 hours a week: capped at 30, so 6 hours a week', () => {
    // 1 Aug 2022 to 31 Jul 2023 = 364 days = 52 weeks; worked 52 - 5.6 = 46.4 weeks.
    // min(37.5, 30) = 30; 20% of 30 = 6 h/week; 6 x 46.4 = 278.4 h.
    // Target: 278.4 / (37.5 x 46.4 = 1740) = 16%.
    const r = calculateOtj(input({ contractedHours: 37.5, start: d('2022-08-01'), plannedEnd: d('2023-07-31') }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.from2022);
    assert.equal(r.MinimumOTJ, 278.4);
    assert.equal(r.TargetPercentage, 16);
  });

  test('part-time, 25 hours a week: 20% of 25 = 5 hours a week', () => {
    // 5 h x 46.4 weeks = 232 h; target 232 / (25 x 46.4 = 1160) = 20%.
    const r = calculateOtj(input({ contractedHours: 25, start: d('2022-08-01'), plannedEnd: d('2023-07-31') }));
    assert.equal(r.MinimumOTJ, 232);
    assert.equal(r.TargetPercentage, 20);
  });

  test('no contracted hours given: 30 are assumed', () => {
    // 30 h -> 6 h/week x 46.4 = 278.4 h.
    const r = calculateOtj(input({ start: d('2023-01-02'), plannedEnd: d('2024-01-01') }));
    assert.equal(r.ContractedHours, 30);
    assert.equal(r.MinimumOTJ, 278.4);
  });

  test('the day before 1 August 2025 still uses the weekly rule', () => {
    // 31 Jul 2025 to 29 Jul 2027 = 728 days = 104 weeks; leave 104 x 5.6 / 52 = 11.2; worked 92.8.
    // 6 h x 92.8 = 556.8 h.
    const r = calculateOtj(input({ contractedHours: 30, start: d('2025-07-31'), plannedEnd: d('2027-07-29'), aims: [{ otjHours: 278, rplHours: 0 }] }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.from2022);
    assert.equal(r.Duration, 104);
    assert.equal(r.MinimumOTJ, 556.8);
  });

  test('actual hours against the plan', () => {
    // 27.84 h recorded of 278.4 planned = 10%.
    const r = calculateOtj(input({ contractedHours: 40, start: d('2022-08-01'), plannedEnd: d('2023-07-31'), actualHours: 27.84 }));
    assert.equal(r.CachedActualHours, 27.84);
    assert.equal(r.PercentOfPlanned, 10);
  });
});

describe("off-the-job hours: starts from 1 August 2025 (the standard's published minimum less RPL)", () => {
  test('full-time, no prior learning: the published 278 hours', () => {
    // 1 Aug 2025 to 30 Jul 2027 = 728 days = 104 weeks; worked 104 - 11.2 = 92.8 weeks.
    // Minimum = 278 - 0 = 278 h. Target: 278 / (30 x 92.8 = 2784) = 9.9856...% -> 9.99.
    const r = calculateOtj(input({ contractedHours: 30, start: d('2025-08-01'), plannedEnd: d('2027-07-30'), aims: [{ otjHours: 278, rplHours: 0 }] }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.from2025);
    assert.equal(r.MinimumOTJ, 278);
    assert.equal(r.PlannedOTJ, 278);
    assert.equal(r.TargetPercentage, 9.99);
  });

  test('part-time does not change the fixed minimum; recognised prior learning reduces it', () => {
    // 278 - 48 h RPL = 230 h, whatever the weekly hours. Target: 230 / (20 x 92.8 = 1856) = 12.392...% -> 12.39.
    const r = calculateOtj(input({ contractedHours: 20, start: d('2025-08-01'), plannedEnd: d('2027-07-30'), aims: [{ otjHours: 278, rplHours: 48 }] }));
    assert.equal(r.MinimumOTJ, 230);
    assert.equal(r.TargetPercentage, 12.39);
  });

  test('prior learning beyond the minimum leaves nothing, never a negative', () => {
    const r = calculateOtj(input({ start: d('2025-09-01'), plannedEnd: d('2026-09-01'), aims: [{ otjHours: 187, rplHours: 200 }] }));
    assert.equal(r.MinimumOTJ, 0);
    assert.equal(r.PercentOfPlanned, null);
  });

  test('two aims with published minimums add up; an aim without one adds nothing', () => {
    // (278 - 48) + (120 - 0) = 350 h.
    const r = calculateOtj(
      input({
        start: d('2025-09-01'),
        plannedEnd: d('2027-09-01'),
        aims: [
          { otjHours: 278, rplHours: 48 },
          { otjHours: 120, rplHours: 0 },
          { otjHours: null, rplHours: 10 },
        ],
      }),
    );
    assert.equal(r.MinimumOTJ, 350);
  });

  test('a learner without an aim (or whose standard publishes no minimum) falls back to the weekly rule, and says so', () => {
    // 1 Sep 2025 to 31 Aug 2026 = 364 days = 52 weeks; 6 h x 46.4 = 278.4 h.
    const r = calculateOtj(input({ contractedHours: 37.5, start: d('2025-09-01'), plannedEnd: d('2026-08-31') }));
    assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.from2025Fallback);
    assert.equal(r.MinimumOTJ, 278.4);
  });

  test('without a planned end the minimum still stands; duration and target are unknown', () => {
    const r = calculateOtj(input({ start: d('2025-09-01'), aims: [{ otjHours: 278, rplHours: 0 }] }));
    assert.equal(r.MinimumOTJ, 278);
    assert.equal(r.Duration, null);
    assert.equal(r.TargetPercentage, null);
  });
});

test('without a start date no rule applies: the figures are null and the method says why', () => {
  const r = calculateOtj(input({ contractedHours: 37.5, actualHours: 12.5 }));
  assert.equal(r.MethodOfCalculatingOTJ, OtjMethods.noStart);
  assert.deepEqual([r.MinimumOTJ, r.PlannedOTJ, r.Duration, r.TargetPercentage, r.PercentOfPlanned], [null, null, null, null, null]);
  assert.equal(r.CachedActualHours, 12.5);
});
