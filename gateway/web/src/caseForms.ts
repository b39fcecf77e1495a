// The records kept on a rectification case besides its items (supervision visits 督查, dual
// reports 双报告, disclosure 整改公开, rules made 建章立制, re-checks 抽查): the fields of each
// form, the rules checked before sending (the service checks again) and the request body.
export type CaseRecordKind = 'visit' | 'report' | 'disclosure' | 'rule' | 'draw' | 'result';

export interface FieldSpec {
  key: string;
  label: string; // i18n key
  type: 'text' | 'textarea' | 'date' | 'select' | 'number' | 'switch';
  required?: boolean;
  options?: { value: string; enumKind: string }[];
  min?: number;
  max?: number;
}

export const REPORT_KINDS = ['RECTIFICATION_REPORT', 'COMMITTEE_REPORT', 'SECRETARY_REPORT'];

export const CASE_FORMS: Record<CaseRecordKind, FieldSpec[]> = {
  visit: [
    { key: 'visitDate', label: 'caseRec.visitDate', type: 'date', required: true },
    { key: 'supervisors', label: 'caseRec.supervisors', type: 'text', required: true },
    { key: 'findings', label: 'caseRec.findings', type: 'textarea' },
  ],
  report: [
    { key: 'kind', label: 'caseRec.reportKind', type: 'select', required: true,
      options: REPORT_KINDS.map((value) => ({ value, enumKind: 'caseReportKind' })) },
    { key: 'title', label: 'caseRec.title', type: 'text', required: true },
    { key: 'submittedOn', label: 'caseRec.submittedOn', type: 'date', required: true },
    { key: 'summary', label: 'caseRec.summary', type: 'textarea' },
  ],
  disclosure: [
    { key: 'channel', label: 'caseRec.channel', type: 'text', required: true },
    { key: 'publishedOn', label: 'caseRec.publishedOn', type: 'date', required: true },
    { key: 'summary', label: 'caseRec.summary', type: 'textarea' },
  ],
  rule: [
    { key: 'title', label: 'caseRec.ruleTitle', type: 'text', required: true },
    { key: 'issuedOn', label: 'caseRec.issuedOn', type: 'date', required: true },
  ],
  draw: [{ key: 'percent', label: 'caseRec.percent', type: 'number', required: true, min: 1, max: 100 }],
  result: [
    { key: 'passed', label: 'caseRec.passed', type: 'switch' },
    { key: 'note', label: 'caseRec.note', type: 'textarea' }, // required when not passed
  ],
};

export function emptyRecord(kind: CaseRecordKind): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const f of CASE_FORMS[kind]) {
    out[f.key] = f.type === 'number' ? 10 : f.type === 'switch' ? true : f.type === 'select' ? (f.options?.[0]?.value ?? '') : '';
  }
  return out;
}

// Text fields trimmed; empty optional text left out.
export function recordBody(kind: CaseRecordKind, form: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const f of CASE_FORMS[kind]) {
    const v = form[f.key];
    if (typeof v === 'string') {
      const s = v.trim();
      if (s) out[f.key] = s;
    } else {
      out[f.key] = v;
    }
  }
  return out;
}
