#include "authz_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace xuncha::e2e {

const std::array<const char*, kPrincipalCount>& ColumnNames() {
  static const std::array<const char*, kPrincipalCount> names = {
      "adm", "stf", "led", "mem", "sec", "lia", "xli", "rcv", "xrc", "ap+", "ap-", "cty", "oth"};
  return names;
}

const std::array<const char*, kPrincipalCount>& PrincipalNames() {
  static const std::array<const char*, kPrincipalCount> names = {
      "A office admin",      "A office staff",      "A leading group",       "group member",
      "seconded member (B)", "unit liaison",        "other liaison",         "commission receiver",
      "org-dept receiver",   "API client (scoped)", "API client (no scope)", "city office",
      "other county admin"};
  return names;
}

namespace {

struct RawRow {
  const char* operation;
  const char* cells;
  const char* why;
};

// A = allowed past authorisation, D = denied. Rows run in this order (denied principals first
// within a row), so the rows that move shared objects on for good (round transitions, group
// membership) come last.
// clang-format off
constexpr RawRow kTable[] = {
// operation                                       adm stf led mem sec lia xli rcv xrc ap+ ap- cty oth
// --- directory: office roles read their office and the offices below; the admin manages ----------
{"DirectoryService_GetOrgUnit",                    "A   A   A   A   D   A   D   D   D   A   D   A   D", "office tree readers; a liaison its own unit"},
{"DirectoryService_ListOrgUnits",                  "A   A   A   A   D   D   D   D   D   A   D   A   D", "office tree readers"},
{"DirectoryService_GetOffice",                     "A   A   A   A   D   D   D   D   D   A   D   A   D", "office tree readers"},
{"DirectoryService_ListOffices",                   "A   A   A   A   D   D   D   D   D   A   D   A   D", "office tree readers"},
{"DirectoryService_GetPerson",                     "A   A   A   A   D   D   D   D   D   A   D   A   D", "office tree readers"},
{"DirectoryService_ListPeople",                    "A   A   A   A   D   D   D   D   D   A   D   A   D", "office tree readers"},
{"DirectoryService_GetUser",                       "A   D   D   A   D   D   D   D   D   D   D   A   D", "accounts: the office admin (and above) or the user itself"},
{"DirectoryService_CreatePerson",                  "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff of the office, directory:write"},
{"DirectoryService_UpdateOrgUnit",                 "A   D   D   D   D   D   D   D   D   A   D   D   D", "the owning office's admin, directory:write"},
{"DirectoryService_MoveOrgUnit",                   "A   D   D   D   D   D   D   D   D   A   D   D   D", "the owning office's admin, directory:write"},
{"DirectoryService_CreateOrgUnit",                 "A   D   D   D   D   D   D   D   D   A   D   D   D", "the owning office's admin, directory:write"},
{"DirectoryService_CreateUser",                    "A   D   D   D   D   D   D   D   D   D   D   D   D", "accounts: the office admin only"},
{"DirectoryService_CreateApiClient",               "A   D   D   D   D   D   D   D   D   D   D   D   D", "the office admin (never a client)"},
{"DirectoryService_SetCalendarYear",               "D   D   D   D   D   D   D   D   D   D   D   D   D", "the national calendar: platform admin only"},
// --- planning: office roles read (and the offices above); admin/staff edit; leading group approves
{"PlanningService_GetPlan",                        "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListPlans",                      "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_GetCoverage",                    "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_GetRound",                       "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListRounds",                     "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListGroups",                     "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListTalentPool",                 "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListDraws",                      "A   A   A   A   D   D   D   D   D   A   D   A   D", "planning readers, planning:read"},
{"PlanningService_ListEngagements",                "A   A   A   A   A   D   D   D   D   A   D   A   D", "planning readers, planning:read; the group its own"},
{"PlanningService_GetEngagement",                  "A   A   A   A   A   D   D   D   D   A   D   A   D", "planning readers and the group"},
{"PlanningService_ApprovePlan",                    "D   D   A   D   D   D   D   D   D   D   D   D   D", "the leading group of the office"},
{"PlanningService_CreateRound",                    "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write, on their own plan"},
{"PlanningService_UpdateRound",                    "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_CreateGroup",                    "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_AddGroupTargets",                "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_EnrolTalent",                    "A   A   D   A   D   D   D   D   D   A   D   A   D", "into the caller's own pool: anyone who may read the person"},
{"PlanningService_DrawMembers",                    "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_PublishAnnouncement",            "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
// --- fieldwork: records of the engagement; interviews/petitions only the group and leadership --
{"FieldworkService_ListInterviews",                "A   D   A   A   A   D   D   D   D   D   D   D   D", "the group and office leadership"},
{"FieldworkService_GetInterview",                  "A   D   A   A   A   D   D   D   D   D   D   D   D", "the group and office leadership"},
{"FieldworkService_CreateInterview",               "A   D   A   A   A   D   D   D   D   D   D   D   D", "the group and office leadership"},
{"FieldworkService_ListPetitions",                 "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_GetPetition",                   "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_ListPetitionMessages",          "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_PostPetitionQuestion",          "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_TriagePetition",                "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_RevealPetitionReporter",        "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership only"},
{"FieldworkService_ListSurveys",                   "A   A   A   A   A   D   D   D   D   D   D   A   D", "the group, the office, offices above"},
{"FieldworkService_GetSurvey",                     "A   A   A   A   A   D   D   D   D   D   D   A   D", "the group, the office, offices above"},
{"FieldworkService_GetSurveyResults",              "A   A   A   A   A   D   D   D   D   D   D   A   D", "the group, the office, offices above"},
{"FieldworkService_CreateSurvey",                  "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_UpdateQuestionnaire",           "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_IssueSurveyCodes",              "A   A   A   A   A   D   D   D   D   D   D   D   D", "the group and the owning office"},
{"FieldworkService_ListDocumentRequests",          "A   A   A   A   A   A   D   D   D   A   D   A   D", "record readers and the unit asked"},
{"FieldworkService_CreateDocumentRequest",         "A   A   A   A   A   D   D   D   D   D   D   D   D", "record writers: the group and the office"},
{"FieldworkService_ApplyDocumentChecklist",        "A   A   A   A   A   D   D   D   D   D   D   D   D", "record writers: the group and the office"},
{"FieldworkService_MarkDocumentProvided",          "A   A   A   A   A   A   D   D   D   D   D   D   D", "record writers and the unit asked"},
{"FieldworkService_ReviewDocument",                "A   A   A   A   A   D   D   D   D   D   D   D   D", "record writers: the group and the office"},
{"FieldworkService_GetEvidence",                   "A   A   A   A   A   D   D   D   D   A   D   A   D", "record readers (not attached yet)"},
{"FieldworkService_UploadEvidence",                "A   A   A   A   A   A   D   D   D   D   D   D   D", "record writers; the unit unattached"},
{"FieldworkService_UploadEvidenceStream",          "A   A   A   A   A   A   D   D   D   D   D   D   D", "record writers; the unit unattached"},
{"FieldworkService_AttachEvidence",                "A   A   A   A   A   D   D   D   D   D   D   D   D", "record writers"},
{"FieldworkService_GetWorkLog",                    "A   A   A   A   A   D   D   D   D   A   D   A   D", "record readers"},
{"FieldworkService_AddWorkLogEntry",               "D   D   D   A   A   D   D   D   D   D   D   D   D", "the group's own daily log: members only"},
{"FieldworkService_ListEngagementInterviewOutlines","A   A   A   A   A   D   D   D   D   D   D   A   D", "the group, the office, offices above"},
{"FieldworkService_ListInterviewOutlines",         "A   A   A   A   D   D   D   D   D   D   D   A   D", "office staff, offices above"},
{"FieldworkService_GetInterviewOutline",           "A   A   A   A   A   D   D   D   D   D   D   A   D", "office staff, offices above; the group on its engagement"},
{"FieldworkService_UpdateInterviewOutline",        "A   A   A   A   D   D   D   D   D   D   D   D   D", "office staff of the owner"},
{"FieldworkService_ArchiveInterviewOutline",       "A   A   A   A   D   D   D   D   D   D   D   D   D", "office staff of the owner"},
// --- issues: readers are the office, offices above, the group, issues:read; the liaison once asked
{"IssuesService_ListTaxonomy",                     "A   A   A   A   D   D   D   D   D   A   D   A   D", "office staff (taxonomy per office)"},
{"IssuesService_GetIssue",                         "A   A   A   A   A   A   D   D   D   A   D   A   D", "issue readers; the liaison after drafting"},
{"IssuesService_ListIssues",                       "A   A   A   A   A   A   D   D   D   A   D   A   D", "issue readers; the liaison after drafting"},
{"IssuesService_ListQuestions",                    "A   A   A   A   A   A   D   D   D   A   D   A   D", "issue readers; the liaison answers them"},
{"IssuesService_ExportIssues",                     "A   A   A   A   A   D   D   D   D   A   D   A   D", "issue readers"},
{"IssuesService_GetIssueStats",                    "A   A   A   A   D   D   D   D   D   A   D   A   D", "office staff of A and above, issues:read"},
{"IssuesService_GetReport",                        "A   A   A   A   A   D   D   D   D   A   D   A   D", "issue readers"},
{"IssuesService_AnswerQuestion",                   "A   A   D   A   A   A   D   D   D   A   D   D   D", "the unit; issue writers record a paper answer"},
{"IssuesService_AskQuestion",                      "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers: the group, admin/staff, issues:write"},
{"IssuesService_CreateIssue",                      "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers: the group, admin/staff, issues:write"},
{"IssuesService_SuggestClue",                      "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers"},
{"IssuesService_StartVerification",                "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers"},
{"IssuesService_ConfirmIssue",                     "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers"},
{"IssuesService_DismissIssue",                     "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers"},
{"IssuesService_FeedBackIssue",                    "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers"},
{"IssuesService_CreateReport",                     "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers: the group, admin/staff, issues:write"},
{"IssuesService_SubmitReport",                     "A   A   D   A   D   D   D   D   D   A   D   D   D", "group leaders, admin/staff of the office, issues:write"},
{"IssuesService_ApproveReport",                    "D   D   A   D   D   D   D   D   D   D   D   D   D", "the leading group (审定)"},
{"IssuesService_FeedBackReport",                   "A   A   D   A   A   D   D   D   D   A   D   D   D", "issue writers: the group, admin/staff, issues:write"},
// --- rectification: everyone on the engagement reads; the office decides; the unit rectifies --
{"RectificationService_ListRectificationCases",    "A   A   A   A   A   A   D   D   D   A   D   A   D", "engagement readers and the unit"},
{"RectificationService_GetRectificationCase",      "A   A   A   A   A   A   D   D   D   A   D   A   D", "engagement readers and the unit"},
{"RectificationService_GetRectificationItem",      "A   A   A   A   A   A   D   D   D   A   D   A   D", "engagement readers and the unit"},
{"RectificationService_ExportRectificationItems",  "A   A   A   A   D   D   D   D   D   A   D   A   D", "office staff of A and above"},
{"RectificationService_GetRectificationStats",     "A   A   A   A   D   D   D   D   D   A   D   A   D", "office staff of A and above"},
{"RectificationService_GetRectificationSettings",  "A   A   A   A   D   A   A   D   D   A   A   A   D", "the office's deadline rules: everyone of office A"},
{"RectificationService_UpdateRectificationSettings","A   D   D   D   D   D   D   D   D   D   D   A   A", "the caller's own office: its admin"},
{"RectificationService_UpdateRectificationPlan",   "D   D   D   D   D   A   D   D   D   D   D   D   D", "the unit plans its measures"},
{"RectificationService_StartRectificationItem",    "D   D   D   D   D   A   D   D   D   D   D   D   D", "the unit"},
{"RectificationService_CompleteRectificationItem", "D   D   D   D   D   A   D   D   D   D   D   D   D", "the unit claims completion"},
{"RectificationService_AddCaseReport",             "A   A   A   A   D   A   D   D   D   D   D   D   D", "the unit, or the office on its behalf"},
{"RectificationService_AddDisclosure",             "A   A   A   A   D   A   D   D   D   D   D   D   D", "the unit, or the office on its behalf"},
{"RectificationService_AddRuleMade",               "A   A   A   A   D   A   D   D   D   D   D   D   D", "the unit, or the office on its behalf"},
{"RectificationService_ReturnRectificationPlan",   "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office"},
{"RectificationService_AcceptRectificationItem",   "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office (销号)"},
{"RectificationService_RejectRectificationItem",   "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office"},
{"RectificationService_ReopenRectificationItem",   "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office (回头看)"},
{"RectificationService_AddSupervisionVisit",       "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office (督导)"},
{"RectificationService_AcceptRectificationCase",   "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office"},
{"RectificationService_DrawRecheck",               "A   A   A   A   D   D   D   D   D   D   D   D   D", "the office"},
{"RectificationService_RecordRecheckResult",       "D   D   D   D   D   D   D   D   D   D   D   D   D", "no recheck exists: 404 for all, never 2xx"},
// --- clues: office leadership and the receiving body; the group sees a receipt of its own -------
{"CluesService_GetClue",                           "A   D   A   A   A   D   D   A   D   D   D   D   D", "leadership, the group (receipt), the receiver"},
{"CluesService_ListClues",                         "A   D   A   A   A   D   D   A   D   A   D   D   D", "leadership, the group, receivers, clues:read"},
{"CluesService_ListClueAccessLog",                 "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership"},
{"CluesService_ExportClueLedger",                  "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership"},
{"CluesService_GetClueBacklog",                    "A   A   A   A   D   D   D   D   D   D   D   A   D", "counts, no clue: office staff and offices above"},
{"CluesService_GetReferralRules",                  "A   A   A   A   D   D   D   D   D   D   D   A   D", "office staff and offices above"},
{"CluesService_SetReferralRules",                  "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership"},
{"CluesService_CreateClue",                        "A   D   A   A   A   D   D   D   D   D   D   D   D", "the group and office leadership"},
{"CluesService_UpdateClue",                        "A   D   A   A   A   D   D   D   D   D   D   D   D", "the group and office leadership"},
{"CluesService_ApproveClue",                       "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership"},
{"CluesService_ReferClue",                         "A   D   A   D   D   D   D   D   D   D   D   D   D", "office leadership"},
{"CluesService_AcknowledgeClue",                   "D   D   D   D   D   D   D   A   D   D   D   D   D", "the receiving body"},
{"CluesService_DisposeClue",                       "D   D   D   D   D   D   D   A   D   D   D   D   D", "the receiving body"},
// --- webhooks: the API client itself or the office admin ---------------------------------------
{"WebhooksService_ListWebhookSubscriptions",       "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
{"WebhooksService_GetWebhookSubscription",         "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
{"WebhooksService_ListWebhookDeliveries",          "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
{"WebhooksService_CreateWebhookSubscription",      "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
{"WebhooksService_EnableWebhookSubscription",      "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
{"WebhooksService_DeleteWebhookSubscription",      "A   D   D   D   D   D   D   D   D   A   D   D   D", "the client itself or its office admin"},
// --- last: changes that move A's shared objects on for good --------------------------------------
{"DirectoryService_CreateOffice",                  "A   D   D   D   D   D   D   D   D   D   D   D   D", "an office below: the admin of the office above"},
{"PlanningService_SetGroupMembers",                "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_ApproveRound",                   "D   D   A   D   D   D   D   D   D   D   D   D   D", "the leading group of the office"},
{"PlanningService_StartFieldwork",                 "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_StartReporting",                 "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_StartFeedback",                  "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_StartRectification",             "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
{"PlanningService_CloseRound",                     "A   A   D   A   D   D   D   D   D   A   D   D   D", "admin/staff, planning:write"},
};
// clang-format on

}  // namespace

absl::StatusOr<std::vector<AuthzRow>> AuthzTable() {
  std::vector<AuthzRow> rows;
  for (const RawRow& raw : kTable) {
    std::vector<absl::string_view> cells = absl::StrSplit(raw.cells, ' ', absl::SkipWhitespace());
    if (cells.size() != kPrincipalCount) {
      return absl::InvalidArgumentError(
          absl::StrCat(raw.operation, ": ", cells.size(), " cells, want ", kPrincipalCount));
    }
    AuthzRow row{raw.operation, {}, raw.why};
    for (int i = 0; i < kPrincipalCount; ++i) {
      if (cells[i] != "A" && cells[i] != "D") {
        return absl::InvalidArgumentError(absl::StrCat(raw.operation, ": cell ", ColumnNames()[i],
                                                       " is '", cells[i], "', want A or D"));
      }
      row.cells[i] = cells[i] == "A" ? Expect::kAllow : Expect::kDeny;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace xuncha::e2e
