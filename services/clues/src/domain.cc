#include "domain.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "xuncha/scope.h"
#include "xuncha/status.h"

namespace xuncha::clues {
namespace {

absl::Status CheckEnum(absl::string_view field, bool valid, int value) {
  if (!valid) return InvalidField(field, absl::StrCat("unknown value ", value));
  return absl::OkStatus();
}

int Rank(Clue::State s) {
  switch (s) {
    case Clue::DRAFT:
      return 1;
    case Clue::APPROVED:
      return 2;
    case Clue::REFERRED:
      return 3;
    case Clue::ACKNOWLEDGED:
      return 4;
    case Clue::DISPOSED:
      return 5;
    default:
      return 0;
  }
}

}  // namespace

// --- Validation ------------------------------------------------------------------------------

absl::Status ValidateClueFields(const Clue& clue) {
  RETURN_IF_ERROR(ValidateText("subject_person", clue.subject_person(), 100, false));
  RETURN_IF_ERROR(ValidateText("subject_position", clue.subject_position(), 200, false));
  RETURN_IF_ERROR(
      CheckEnum("cadre_level", Clue::CadreLevel_IsValid(clue.cadre_level()), clue.cadre_level()));
  RETURN_IF_ERROR(
      CheckEnum("matter_type", Clue::MatterType_IsValid(clue.matter_type()), clue.matter_type()));
  RETURN_IF_ERROR(ValidateText("category", clue.category(), 100, false));
  RETURN_IF_ERROR(ValidateText("summary", clue.summary(), 4000, false));
  if (clue.evidence_ids_size() > 200) return InvalidField("evidence_ids", "at most 200");
  for (const auto& e : clue.evidence_ids()) {
    RETURN_IF_ERROR(ValidateText("evidence_ids", e, 128));
  }
  return absl::OkStatus();
}

absl::Status ValidateNewClue(const Clue& clue) {
  RETURN_IF_ERROR(ValidateId("engagement_id", clue.engagement_id()));
  if (clue.source() != Clue::ISSUE && clue.source() != Clue::PETITION) {
    return InvalidField("source", "must be ISSUE or PETITION");
  }
  RETURN_IF_ERROR(ValidateId("source_id", clue.source_id()));
  RETURN_IF_ERROR(ValidateText("subject_person", clue.subject_person(), 100));
  RETURN_IF_ERROR(ValidateText("summary", clue.summary(), 4000));
  return ValidateClueFields(clue);
}

absl::Status CheckReadyForApproval(const Clue& clue) {
  auto missing = [](absl::string_view field) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": must be set before the clue is approved"));
  };
  if (absl::StripAsciiWhitespace(clue.subject_person()).empty()) return missing("subject_person");
  if (clue.cadre_level() == Clue::CADRE_LEVEL_UNSPECIFIED) return missing("cadre_level");
  if (clue.matter_type() == Clue::MATTER_TYPE_UNSPECIFIED) return missing("matter_type");
  if (absl::StripAsciiWhitespace(clue.summary()).empty()) return missing("summary");
  return absl::OkStatus();
}

absl::Status ValidateReferral(const v1::ReferClueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  RETURN_IF_ERROR(ValidateText("document_number", request.document_number(), 100));
  return ValidateDate("referral_date", request.referral_date());
}

absl::Status ValidateDisposal(const v1::DisposeClueRequest& request) {
  RETURN_IF_ERROR(ValidateId("id", request.id()));
  if (!v1::Disposal::Type_IsValid(request.type()) ||
      request.type() == v1::Disposal::TYPE_UNSPECIFIED) {
    return InvalidField("type",
                        "must be one of TALK_AND_INQUIRY, PRELIMINARY_VERIFICATION, SHELVED, "
                        "CLOSED, CASE_FILED");
  }
  RETURN_IF_ERROR(ValidateText("outcome", request.outcome(), 4000));
  if (request.sanctions_count() < 0) return InvalidField("sanctions_count", "must be >= 0");
  return ValidateDate("disposal_date", request.disposal_date());
}

absl::Status ValidateReferralRules(const v1::ReferralRules& rules) {
  if (rules.feedback_months() < 0 || rules.feedback_months() > 24) {
    return InvalidField("feedback_months", "must be between 1 and 24 (0 for the default, 3)");
  }
  if (rules.rules_size() > 200) return InvalidField("rules", "at most 200");
  std::map<std::pair<int, int>, int> seen;
  for (int i = 0; i < rules.rules_size(); ++i) {
    const auto& r = rules.rules(i);
    const std::string f = absl::StrCat("rules[", i, "]");
    RETURN_IF_ERROR(
        CheckEnum(f + ".cadre_level", Clue::CadreLevel_IsValid(r.cadre_level()), r.cadre_level()));
    RETURN_IF_ERROR(
        CheckEnum(f + ".matter_type", Clue::MatterType_IsValid(r.matter_type()), r.matter_type()));
    RETURN_IF_ERROR(ValidateId(f + ".receiving_unit_id", r.receiving_unit_id()));
    if (!IsLtreePath(r.receiving_unit_path())) {
      return InvalidField(f + ".receiving_unit_path", "must be an org path like c1.a.jw");
    }
    RETURN_IF_ERROR(ValidateText(f + ".receiving_unit_name", r.receiving_unit_name(), 100));
    auto [it, fresh] = seen.emplace(std::make_pair(r.cadre_level(), r.matter_type()), i);
    if (!fresh) {
      return InvalidField(
          f, absl::StrCat("same cadre_level and matter_type as rules[", it->second, "]"));
    }
  }
  return absl::OkStatus();
}

Clue::CadreLevel ParseCadreLevel(absl::string_view text) {
  const std::string t(absl::StripAsciiWhitespace(text));
  Clue::CadreLevel level;
  if (Clue::CadreLevel_Parse(t, &level)) return level;
  if (t == "市管" || t == "市管干部") return Clue::CITY_MANAGED;
  if (t == "县管" || t == "区管" || t == "县管干部") return Clue::COUNTY_MANAGED;
  if (t == "企业管理" || t == "企管") return Clue::ENTERPRISE_MANAGED;
  if (t == "乡镇管理" || t == "镇管") return Clue::TOWNSHIP_MANAGED;
  return Clue::CADRE_LEVEL_UNSPECIFIED;
}

// --- State machine ---------------------------------------------------------------------------

absl::Status CheckTransition(Clue::State from, Clue::State to) {
  if (Rank(from) != 0 && Rank(to) == Rank(from) + 1) return absl::OkStatus();
  std::string rule;
  if (Rank(to) > 1) {
    rule = absl::StrCat(" (only a ", Clue::State_Name(static_cast<Clue::State>(Rank(to) - 1)),
                        " clue can become ", Clue::State_Name(to), ")");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "clue is ", Clue::State_Name(from), "; cannot move to ", Clue::State_Name(to), rule));
}

// --- Access ----------------------------------------------------------------------------------

bool IsUnitLiaison(const Principal& principal) { return principal.HasRole("UNIT_LIAISON"); }

bool IsReceiverOf(const Principal& principal, absl::string_view unit_id,
                  absl::string_view unit_path) {
  if (unit_id.empty() || IsUnitLiaison(principal)) return false;
  const bool same_unit = (!principal.unit_id.empty() && principal.unit_id == unit_id) ||
                         (!principal.unit_path.empty() && principal.unit_path == unit_path);
  if (principal.IsApiClient()) {
    // A case system of the receiving body: its own unit, or the org unit of its office.
    return (principal.HasScope("clues:disposition") || principal.HasScope("clues:read")) &&
           (same_unit || (!principal.office_path.empty() && principal.office_path == unit_path));
  }
  return principal.HasRole("RECEIVER") && same_unit;
}

bool IsOfficeLeadership(const Principal& principal, absl::string_view office_id) {
  return !principal.IsApiClient() && !office_id.empty() && principal.office_id == office_id &&
         principal.HasAnyRole({"OFFICE_ADMIN", "LEADING_GROUP"});
}

absl::Status CheckCanActAsReceiver(const Principal& principal, const ClueAccess& access) {
  if (!access.receiver) {
    return absl::PermissionDeniedError("only the receiving body records receipt and disposal");
  }
  if (principal.IsApiClient() && !principal.HasScope("clues:disposition")) {
    return absl::PermissionDeniedError("API clients need scope clues:disposition");
  }
  return absl::OkStatus();
}

ClueAccess AccessToClue(const Principal& principal, bool group_member, const Clue& clue) {
  ClueAccess a;
  if (IsUnitLiaison(principal)) return a;
  a.group = group_member && !principal.IsApiClient();
  a.leadership = IsOfficeLeadership(principal, clue.office_id());
  a.receiver = clue.has_referral() && IsReceiverOf(principal, clue.referral().receiving_unit_id(),
                                                   clue.referral().receiving_unit_path());
  return a;
}

bool ReferredOutsideOffice(const Clue& clue) {
  return clue.has_referral() &&
         !PathWithin(clue.referral().receiving_unit_path(), clue.office_path());
}

ClueView ViewOf(const ClueAccess& access, const Clue& clue) {
  const bool referred = Rank(clue.state()) >= Rank(Clue::REFERRED);
  if (access.receiver && referred) return ClueView::kFull;
  if (access.leadership) {
    return referred && ReferredOutsideOffice(clue) ? ClueView::kReceipt : ClueView::kFull;
  }
  if (access.group) return referred ? ClueView::kReceipt : ClueView::kFull;
  return ClueView::kNone;
}

Clue ReceiptOf(const Clue& clue) {
  Clue r;
  r.set_id(clue.id());
  r.set_engagement_id(clue.engagement_id());
  r.set_office_id(clue.office_id());
  r.set_office_path(clue.office_path());
  r.set_state(clue.state());
  if (clue.has_referral()) {
    auto* ref = r.mutable_referral();
    ref->set_receiving_unit_id(clue.referral().receiving_unit_id());
    ref->set_receiving_unit_name(clue.referral().receiving_unit_name());
    ref->set_receiving_unit_path(clue.referral().receiving_unit_path());
    ref->set_document_number(clue.referral().document_number());
    ref->set_referral_date(clue.referral().referral_date());
    ref->set_feedback_deadline(clue.referral().feedback_deadline());
  }
  r.set_deadline_status(clue.deadline_status());
  r.set_receipt_only(true);
  *r.mutable_create_time() = clue.create_time();
  return r;
}

// --- Routing ---------------------------------------------------------------------------------

absl::StatusOr<v1::ReferralRule> RouteClue(const std::vector<v1::ReferralRule>& rules,
                                           Clue::CadreLevel level, Clue::MatterType matter) {
  const v1::ReferralRule* best = nullptr;
  int best_score = -1;
  for (const auto& r : rules) {
    const bool level_ok =
        r.cadre_level() == level || r.cadre_level() == Clue::CADRE_LEVEL_UNSPECIFIED;
    const bool matter_ok =
        r.matter_type() == matter || r.matter_type() == Clue::MATTER_TYPE_UNSPECIFIED;
    if (!level_ok || !matter_ok) continue;
    // The cadre level decides the commission's tier, so a level match outranks a matter match.
    const int score = (r.cadre_level() == level ? 2 : 0) + (r.matter_type() == matter ? 1 : 0);
    if (score > best_score) {
      best = &r;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no referral rule for cadre_level ", Clue::CadreLevel_Name(level), " and matter_type ",
        Clue::MatterType_Name(matter), "; the office must configure one in referralRules"));
  }
  return *best;
}

// --- Deadlines and backlog -------------------------------------------------------------------

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const absl::CivilDay last = absl::CivilDay(target + 1) - 1;
  const absl::CivilDay wanted(target.year(), target.month(), day.day());
  // CivilDay normalises 02-30 to 03-02; clamp instead, as offices count months.
  if (wanted.month() != target.month() || wanted > last) return last;
  return wanted;
}

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field, absl::string_view value) {
  absl::Status s = ValidateDate(field, value);
  if (!s.ok()) return s;
  absl::CivilDay d;
  if (!absl::ParseCivilTime(value, &d)) return InvalidField(field, "must be a date YYYY-MM-DD");
  return d;
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

Clue::DeadlineStatus DeadlineStatusOf(const Clue& clue, absl::CivilDay today) {
  if (!clue.has_referral() || clue.referral().feedback_deadline().empty()) {
    return Clue::DEADLINE_STATUS_UNSPECIFIED;
  }
  absl::CivilDay deadline;
  if (!absl::ParseCivilTime(clue.referral().feedback_deadline(), &deadline)) {
    return Clue::DEADLINE_STATUS_UNSPECIFIED;
  }
  if (clue.state() == Clue::DISPOSED) {
    absl::CivilDay done;
    if (absl::ParseCivilTime(clue.disposal().disposal_date(), &done) && done > deadline) {
      return Clue::DISPOSED_LATE;
    }
    return Clue::DISPOSED_ON_TIME;
  }
  if (today > deadline) return Clue::OVERDUE;
  if (deadline - today <= kReminderDays) return Clue::DUE_SOON;
  return Clue::ON_TRACK;
}

void AddToBacklog(v1::BacklogCounts& counts, const Clue& clue, absl::CivilDay today, int n) {
  if (clue.state() == Clue::DISPOSED) {
    counts.set_cleared(counts.overdue() == 0);
    return;
  }
  counts.set_open(counts.open() + n);
  switch (clue.state()) {
    case Clue::DRAFT:
    case Clue::APPROVED:
      counts.set_not_referred(counts.not_referred() + n);
      break;
    case Clue::REFERRED:
      counts.set_awaiting_acknowledgement(counts.awaiting_acknowledgement() + n);
      break;
    case Clue::ACKNOWLEDGED:
      counts.set_awaiting_disposal(counts.awaiting_disposal() + n);
      break;
    default:
      break;
  }
  absl::CivilDay referred;
  if (clue.has_referral() && absl::ParseCivilTime(clue.referral().referral_date(), &referred)) {
    const int64_t age = today - referred;
    if (age <= 30) {
      counts.set_referred_up_to_30_days(counts.referred_up_to_30_days() + n);
    } else if (age <= 90) {
      counts.set_referred_31_to_90_days(counts.referred_31_to_90_days() + n);
    } else {
      counts.set_referred_over_90_days(counts.referred_over_90_days() + n);
    }
  }
  if (DeadlineStatusOf(clue, today) == Clue::OVERDUE) counts.set_overdue(counts.overdue() + n);
  counts.set_cleared(counts.overdue() == 0);
}

v1::ClueBacklog BuildBacklog(absl::string_view org, const std::vector<BacklogGroup>& groups,
                             absl::CivilDay today) {
  v1::ClueBacklog out;
  out.set_org(std::string(org));
  out.set_as_of(FormatDay(today));
  out.mutable_total()->set_cleared(true);
  std::map<std::string, v1::OfficeBacklog> offices;  // by path: parents sort before children
  std::map<std::string, v1::ReceiverBacklog> receivers;
  for (const auto& [c, n] : groups) {
    AddToBacklog(*out.mutable_total(), c, today, n);
    auto& office = offices[c.office_path()];
    office.set_office_id(c.office_id());
    office.set_office_path(c.office_path());
    office.mutable_own()->set_cleared(true);
    AddToBacklog(*office.mutable_own(), c, today, n);
    if (c.has_referral()) {
      auto& r = receivers[c.referral().receiving_unit_id()];
      r.set_receiving_unit_id(c.referral().receiving_unit_id());
      r.set_receiving_unit_name(c.referral().receiving_unit_name());
      r.mutable_counts()->set_cleared(true);
      AddToBacklog(*r.mutable_counts(), c, today, n);
    }
  }
  for (auto& [path, office] : offices) {
    office.mutable_subtree()->set_cleared(true);
    for (const auto& [c, n] : groups) {
      if (PathWithin(c.office_path(), path)) {
        AddToBacklog(*office.mutable_subtree(), c, today, n);
      }
    }
    *out.add_offices() = office;
  }
  for (auto& [id, r] : receivers) *out.add_receivers() = r;
  return out;
}

// --- Ledger ----------------------------------------------------------------------------------

std::string StateLabel(Clue::State state) {
  switch (state) {
    case Clue::DRAFT:
      return "登记";
    case Clue::APPROVED:
      return "已审批";
    case Clue::REFERRED:
      return "已移交";
    case Clue::ACKNOWLEDGED:
      return "已签收";
    case Clue::DISPOSED:
      return "已处置";
    default:
      return "";
  }
}

std::string CadreLevelLabel(Clue::CadreLevel level) {
  switch (level) {
    case Clue::CITY_MANAGED:
      return "市管";
    case Clue::COUNTY_MANAGED:
      return "县管";
    case Clue::ENTERPRISE_MANAGED:
      return "企业管理";
    case Clue::TOWNSHIP_MANAGED:
      return "乡镇管理";
    case Clue::OTHER_LEVEL:
      return "其他";
    default:
      return "";
  }
}

std::string MatterTypeLabel(Clue::MatterType matter) {
  switch (matter) {
    case Clue::DISCIPLINE:
      return "违纪违法";
    case Clue::APPOINTMENT:
      return "选人用人";
    case Clue::OTHER_MATTER:
      return "其他";
    default:
      return "";
  }
}

std::string DisposalLabel(v1::Disposal::Type type) {
  switch (type) {
    case v1::Disposal::TALK_AND_INQUIRY:
      return "谈话函询";
    case v1::Disposal::PRELIMINARY_VERIFICATION:
      return "初步核实";
    case v1::Disposal::SHELVED:
      return "暂存待查";
    case v1::Disposal::CLOSED:
      return "予以了结";
    case v1::Disposal::CASE_FILED:
      return "立案审查";
    default:
      return "";
  }
}

Table ClueLedgerTable(const std::vector<std::pair<Clue, ClueView>>& rows, absl::CivilDay today) {
  static const char* const kHeaders[] = {
      "线索编号", "来源",     "被反映人", "职务",     "干部管理权限", "事项类型",
      "类别",     "主要内容", "状态",     "接收机关", "移交文号",     "移交日期",
      "反馈期限", "是否逾期", "处置方式", "处置结果", "处分人数",     "处置日期"};
  Table table;
  table.sheet_name = "线索台账";
  for (const char* h : kHeaders) table.headers.push_back(h);
  table.numeric_columns = {16};  // 处分人数
  for (const auto& [clue, view] : rows) {
    if (view == ClueView::kNone) continue;
    const bool full = view == ClueView::kFull;
    const Clue::DeadlineStatus ds = DeadlineStatusOf(clue, today);
    table.rows.push_back(
        {clue.id(), full ? (clue.source() == Clue::ISSUE ? "问题" : "信访举报") : "",
         full ? clue.subject_person() : "", full ? clue.subject_position() : "",
         full ? CadreLevelLabel(clue.cadre_level()) : "",
         full ? MatterTypeLabel(clue.matter_type()) : "", full ? clue.category() : "",
         full ? clue.summary() : "", StateLabel(clue.state()),
         clue.referral().receiving_unit_name(), clue.referral().document_number(),
         clue.referral().referral_date(), clue.referral().feedback_deadline(),
         ds == Clue::OVERDUE || ds == Clue::DISPOSED_LATE ? "是" : "",
         full ? DisposalLabel(clue.disposal().type()) : "", full ? clue.disposal().outcome() : "",
         full && clue.state() == Clue::DISPOSED ? absl::StrCat(clue.disposal().sanctions_count())
                                                : "",
         full ? clue.disposal().disposal_date() : ""});
  }
  return table;
}

}  // namespace xuncha::clues
