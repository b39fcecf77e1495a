// The API's messages as the console uses them (proto3 JSON: lowerCamelCase, enums as names,
// int64 as strings). Only the fields the screens read.
export interface Plan { id: string; kind: string; title: string; startYear: number; endYear: number; state: string }
export interface Round {
  id: string; planId: string; kind: string; title: string; topic?: string; state: string;
  stationStart?: string; stationEnd?: string; officeId?: string;
}
export interface Target { engagementId: string; unitId: string; unitName: string; unitPath?: string }
export interface GroupMember { personId: string; role: string; name?: string }
export interface Group { id: string; name: string; members?: GroupMember[]; targets?: Target[] }
export interface Draw {
  id: string; seed: string; recusalYears: number; candidates: number; createTime: string;
  groups?: { groupId: string; personIds?: string[] }[];
  excluded?: { groupId: string; personId: string; rule: string; detail: string }[];
}
export interface Engagement {
  id: string; roundId: string; roundState: string; targetUnitName: string; targetUnitId: string;
  members?: { personId: string; role: string }[]; accessStart?: string; accessEnd?: string;
}
export interface Interview {
  id: string; kind: string; intervieweeName: string; intervieweePost?: string; category: string;
  interviewerPersonIds?: string[]; startTime?: string; place?: string; notes?: string;
  problems?: { id?: string; summary: string }[];
}
export interface Issue {
  id: string; engagementId: string; title: string; description?: string; categoryId?: string;
  categoryName?: string; headingName?: string; disciplineType?: string; severity?: string;
  source?: string; state: string; roundId?: string; reportId?: string; clueMaterial?: boolean;
}
export interface Report {
  id: string; engagementId: string; summary?: string; state: string; issueCount?: number;
  groups?: { headingName: string; count: number }[];
  feedbackSheet?: { feedbackDate: string; requirements: string; rectificationPlanDue: string; issues?: { id: string; title: string; categoryName?: string }[] };
}
export interface RectificationPlan { measures?: string; owner?: string; goal?: string; deadline?: string }
export interface RectificationItem {
  id: string; caseId: string; title: string; state: string; plan?: RectificationPlan; overdue?: boolean;
  categoryName?: string; planComments?: string; completionNote?: string;
}
export interface RectificationCase {
  id: string; engagementId: string; targetUnitName?: string; reportId?: string; feedbackDate?: string;
  rectificationPlanDue?: string; requirements?: string; state: string; itemCount?: number;
  acceptedCount?: number; items?: RectificationItem[]; minSupervisionVisits?: number;
  visits?: { id: string; visitDate: string; supervisors: string; findings?: string }[];
  reports?: { id: string; kind: string; title: string; submittedOn: string; summary?: string }[];
  disclosures?: { id: string; channel: string; publishedOn: string; summary?: string }[];
  rules?: { id: string; title: string; issuedOn: string }[];
  rechecks?: { id: string; percent: number; seed: string; results?: { itemId: string; checked?: boolean; passed?: boolean; note?: string }[] }[];
}
export interface StatsRow { key: string; label: string; total: string; accepted: string; overdue: string; completionRate: number }
export interface RectificationStats { totals?: StatsRow; byCategory?: StatsRow[]; byUnit?: StatsRow[]; byOffice?: StatsRow[] }
export interface Count { key: string; label: string; count: string }
export interface IssueStats {
  total?: string; byCategory?: Count[]; bySeverity?: Count[]; byState?: Count[];
  byOffice?: { officeId: string; officePath: string; own: string; total: string }[];
}
export interface BacklogCounts {
  open?: number; notReferred?: number; awaitingAcknowledgement?: number; awaitingDisposal?: number;
  overdue?: number; cleared?: boolean;
}
export interface ClueBacklog { total?: BacklogCounts }
export interface Coverage {
  rate?: number; rolledUpRate?: number; byCategory?: { category: string; total: number; covered: number }[];
}
export interface Clue {
  id: string; engagementId: string; subjectPerson: string; subjectPosition?: string; summary?: string;
  state: string; cadreLevel?: string; matterType?: string; receiptOnly?: boolean; deadlineStatus?: string;
  category?: string; evidenceIds?: string[];
  referral?: Record<string, unknown>; disposal?: { type?: string; outcome?: string };
}
export interface OrgUnit { id: string; name: string; kind: string; parent?: string; category?: string; path?: string }
export interface Person { id: string; name: string; expertise?: string[] }
export interface TaxonomyEntry { id: string; parentId?: string; name: string }
export interface DocumentRequest { id: string; title: string; description?: string; dueDate?: string; state: string; providedNote?: string }
