// Clue referral rules (线索移交规则) as edited on screen, checked before saving: every row names a
// receiving body, no two rows share cadre level and matter type (an empty one matches any),
// and the feedback deadline is 0 (the default, 3 months) to 24 months. The service checks again.
import type { OrgUnit } from './types';

export interface RuleRow { cadreLevel: string; matterType: string; receivingUnitId: string }
export interface RuleProblem { row: number; key: 'receiver' | 'duplicate'; other?: number }

export function checkRules(rows: RuleRow[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!r.receivingUnitId) problems.push({ row: i, key: 'receiver' });
    const k = `${r.cadreLevel}|${r.matterType}`;
    const first = seen.get(k);
    if (first !== undefined) problems.push({ row: i, key: 'duplicate', other: first });
    else seen.set(k, i);
  });
  return problems;
}

export function feedbackMonthsOk(months: number): boolean {
  return Number.isInteger(months) && months >= 0 && months <= 24;
}

// The PUT body: a rule carries the receiving body's id, path and name (the service keeps them
// so referral needs no call to the directory); empty selectors are left out (= any).
export function rulesBody(rows: RuleRow[], feedbackMonths: number, units: OrgUnit[]) {
  return {
    feedbackMonths,
    rules: rows.map((r) => {
      const u = units.find((x) => x.id === r.receivingUnitId);
      const rule: Record<string, string> = {
        receivingUnitId: r.receivingUnitId, receivingUnitPath: u?.path ?? '', receivingUnitName: u?.name ?? '' };
      if (r.cadreLevel) rule.cadreLevel = r.cadreLevel;
      if (r.matterType) rule.matterType = r.matterType;
      return rule;
    }),
  };
}
