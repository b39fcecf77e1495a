import { describe, expect, it } from 'vitest';
import { checkRules, feedbackMonthsOk, rulesBody } from '../src/referralRules';

const units = [{ id: 'u-jw', name: '市纪委监委', kind: 'DEPARTMENT', path: 'c1.jw' }];

describe('referral rules', () => {
  it('needs a receiving body on every row and no repeated selector', () => {
    expect(checkRules([
      { cadreLevel: 'CITY_MANAGED', matterType: '', receivingUnitId: 'u-jw' },
      { cadreLevel: '', matterType: '', receivingUnitId: '' },
      { cadreLevel: 'CITY_MANAGED', matterType: '', receivingUnitId: 'u-jw' },
    ])).toEqual([{ row: 1, key: 'receiver' }, { row: 2, key: 'duplicate', other: 0 }]);
    expect(checkRules([
      { cadreLevel: 'CITY_MANAGED', matterType: 'DISCIPLINE', receivingUnitId: 'u-jw' },
      { cadreLevel: 'CITY_MANAGED', matterType: '', receivingUnitId: 'u-jw' },
    ])).toEqual([]);
  });

  it('feedback months 0 (default) to 24', () => {
    expect([0, 1, 24].every(feedbackMonthsOk)).toBe(true);
    expect([-1, 25, 1.5].some(feedbackMonthsOk)).toBe(false);
  });

  it('sends the receiving body with its path and name, empty selectors left out', () => {
    expect(rulesBody([{ cadreLevel: '', matterType: 'DISCIPLINE', receivingUnitId: 'u-jw' }], 3, units)).toEqual({
      feedbackMonths: 3,
      rules: [{ matterType: 'DISCIPLINE', receivingUnitId: 'u-jw', receivingUnitPath: 'c1.jw', receivingUnitName: '市纪委监委' }],
    });
  });
});
