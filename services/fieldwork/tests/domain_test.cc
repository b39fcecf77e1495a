// Unit tests of the fieldwork rules: interview checks, questionnaire and answer validation,
// survey aggregation with the minimum-n threshold, code and receipt formats, triage.
#include "domain.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"

namespace xuncha::fieldwork {
namespace {

const char kLeader[] = "11111111-1111-4111-8111-111111111111";
const char kMember[] = "22222222-2222-4222-8222-222222222222";
const char kOutsider[] = "33333333-3333-4333-8333-333333333333";

EngagementSnapshot Engagement() {
  EngagementSnapshot e;
  e.set_id("44444444-4444-4444-8444-444444444444");
  e.add_members()->set_person_id(kLeader);
  e.add_members()->set_person_id(kMember);
  return e;
}

v1::Interview GoodInterview() {
  v1::Interview i;
  i.set_kind(v1::Interview::INDIVIDUAL);
  i.set_interviewee_name("张三");
  i.set_interviewee_post("财务科长");
  i.set_category(v1::Interview::MIDDLE_MANAGER);
  i.add_interviewer_person_ids(kLeader);
  i.add_interviewer_person_ids(kMember);
  i.mutable_start_time()->set_seconds(1714521600);
  i.set_place("第一会议室");
  i.set_notes("反映公务接待超标准");
  i.add_problems()->set_summary("公务接待超标准");
  return i;
}

v1::Answer Choice(const std::string& question, const std::string& choice) {
  v1::Answer a;
  a.set_question_id(question);
  a.add_choices(choice);
  return a;
}

TEST(FieldworkInterviewTest, AcceptsAGoodInterview) {
  EXPECT_TRUE(ValidateNewInterview(GoodInterview(), Engagement()).ok());
}

TEST(FieldworkInterviewTest, NeedsTwoInterviewers) {
  v1::Interview i = GoodInterview();
  i.clear_interviewer_person_ids();
  i.add_interviewer_person_ids(kLeader);
  absl::Status s = ValidateNewInterview(i, Engagement());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "interviewer_person_ids")) << s;
}

TEST(FieldworkInterviewTest, InterviewersMustBeInTheGroup) {
  v1::Interview i = GoodInterview();
  i.add_interviewer_person_ids(kOutsider);
  absl::Status s = ValidateNewInterview(i, Engagement());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "interviewer_person_ids[2]")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "not a member")) << s;
}

TEST(FieldworkInterviewTest, RejectsDuplicateInterviewerAndBadText) {
  v1::Interview i = GoodInterview();
  i.set_interviewer_person_ids(1, kLeader);
  EXPECT_FALSE(ValidateNewInterview(i, Engagement()).ok());
  i = GoodInterview();
  i.set_notes(std::string("\xff\xfe", 2));
  absl::Status s = ValidateNewInterview(i, Engagement());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "interview.notes")) << s;
  i = GoodInterview();
  i.set_category(v1::Interview::CATEGORY_UNSPECIFIED);
  EXPECT_FALSE(ValidateNewInterview(i, Engagement()).ok());
}

TEST(FieldworkAccessTest, InterviewsOnlyForGroupAndLeadership) {
  EngagementAccess member;
  member.member = true;
  EngagementAccess staff;
  staff.office = true;
  EngagementAccess leadership;
  leadership.office = leadership.leadership = true;
  EngagementAccess liaison;
  liaison.liaison = true;
  EngagementAccess above;
  above.office_above = true;
  EXPECT_TRUE(CanReadInterviews(member));
  EXPECT_TRUE(CanReadInterviews(leadership));
  EXPECT_FALSE(CanReadInterviews(staff));
  EXPECT_FALSE(CanReadInterviews(liaison));
  EXPECT_FALSE(CanReadInterviews(above));
  EXPECT_FALSE(CanReadPetitions(liaison));
  EXPECT_FALSE(CanReadSurveyResults(liaison));
  EXPECT_FALSE(CanRevealReporter(member));
  EXPECT_TRUE(CanRevealReporter(leadership));
}

TEST(FieldworkQuestionnaireTest, TemplateIsValidAndAnswersAreChecked) {
  v1::Questionnaire q = DemocraticEvaluationTemplate();
  ASSERT_TRUE(ValidateQuestions(q.questions()).ok());
  google::protobuf::RepeatedPtrField<v1::Answer> answers;
  *answers.Add() = Choice("overall", "较好");
  EXPECT_TRUE(ValidateAnswers(q, answers).ok());
  answers[0].set_choices(0, "很好");
  EXPECT_EQ(ValidateAnswers(q, answers).code(), absl::StatusCode::kInvalidArgument);
  answers[0].set_choices(0, "好");
  answers[0].add_choices("差");
  EXPECT_EQ(ValidateAnswers(q, answers).code(), absl::StatusCode::kInvalidArgument);
  answers.Clear();
  *answers.Add() = Choice("nope", "好");
  EXPECT_EQ(ValidateAnswers(q, answers).code(), absl::StatusCode::kInvalidArgument);
  answers.Clear();
  EXPECT_EQ(ValidateAnswers(q, answers).code(), absl::StatusCode::kInvalidArgument);
}

TEST(FieldworkQuestionnaireTest, RatingAndFreeText) {
  v1::Questionnaire q;
  auto* rating = q.add_questions();
  rating->set_id("r");
  rating->set_text("满意度");
  rating->set_kind(v1::Question::RATING);
  rating->set_rating_min(1);
  rating->set_rating_max(5);
  auto* text = q.add_questions();
  text->set_id("t");
  text->set_text("意见建议");
  text->set_kind(v1::Question::FREE_TEXT);
  ASSERT_TRUE(ValidateQuestions(q.questions()).ok());
  google::protobuf::RepeatedPtrField<v1::Answer> answers;
  answers.Add()->set_question_id("r");
  answers[0].set_rating(6);
  EXPECT_FALSE(ValidateAnswers(q, answers).ok());
  answers[0].set_rating(4);
  answers.Add()->set_question_id("t");
  answers[1].set_text("加强监督");
  EXPECT_TRUE(ValidateAnswers(q, answers).ok());
  rating->set_rating_max(1);
  EXPECT_FALSE(ValidateQuestions(q.questions()).ok());
}

TEST(FieldworkAggregationTest, HiddenBelowMinimumResponses) {
  v1::Questionnaire q = DemocraticEvaluationTemplate();
  std::vector<std::vector<v1::Answer>> responses;
  for (const char* c : {"好", "较好", "一般", "差"}) responses.push_back({Choice("overall", c)});
  v1::VersionResult r = AggregateVersion(q, responses, 5);
  EXPECT_TRUE(r.hidden());
  EXPECT_EQ(r.responses(), 4);
  EXPECT_EQ(r.questions_size(), 0);
}

TEST(FieldworkAggregationTest, CountsAndSatisfactionAtTheThreshold) {
  v1::Questionnaire q = DemocraticEvaluationTemplate();
  std::vector<std::vector<v1::Answer>> responses;
  for (const char* c : {"好", "好", "较好", "一般", "差"})
    responses.push_back({Choice("overall", c)});
  v1::VersionResult r = AggregateVersion(q, responses, 5);
  ASSERT_FALSE(r.hidden());
  ASSERT_EQ(r.questions_size(), 1);
  const v1::QuestionResult& overall = r.questions(0);
  EXPECT_EQ(overall.answered(), 5);
  ASSERT_EQ(overall.option_counts_size(), 4);
  EXPECT_EQ(overall.option_counts(0).option(), "好");
  EXPECT_EQ(overall.option_counts(0).count(), 2);
  EXPECT_EQ(overall.option_counts(1).count(), 1);
  EXPECT_EQ(overall.option_counts(2).count(), 1);
  EXPECT_EQ(overall.option_counts(3).count(), 1);
  EXPECT_DOUBLE_EQ(overall.satisfaction(), 3.0 / 5.0);
}

TEST(FieldworkCodeTest, ResponseCodesAreDistinctAndNormalised) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = NewResponseCode();
    ASSERT_EQ(code.size(), 23u) << code;
    EXPECT_EQ(NormalizeResponseCode(code).size(), 20u);
    EXPECT_TRUE(seen.insert(code).second);
  }
  EXPECT_EQ(NormalizeResponseCode("abcde-fghjk"), "ABCDEFGHJK");
}

TEST(FieldworkReceiptTest, FormatAndSpreadOfDigits) {
  std::set<std::string> seen;
  int digit_counts[10] = {};
  for (int i = 0; i < 2000; ++i) {
    const std::string receipt = NewReceiptCode();
    ASSERT_TRUE(IsReceiptCodeFormat(receipt)) << receipt;
    ASSERT_GE(receipt.size(), 16u);
    EXPECT_TRUE(seen.insert(receipt).second);
    for (char c : receipt) ++digit_counts[c - '0'];
  }
  // 40000 digits: each expected 4000 times; a broken generator (e.g. modulo of a byte, or a
  // constant) falls far outside ±15%.
  for (int count : digit_counts) {
    EXPECT_GT(count, 3400);
    EXPECT_LT(count, 4600);
  }
  EXPECT_FALSE(IsReceiptCodeFormat("1234"));
  EXPECT_FALSE(IsReceiptCodeFormat("1234567890123456789a"));
}

TEST(FieldworkTriageTest, OnlyFromReceivedWithReason) {
  EXPECT_TRUE(
      CheckTriage(v1::Petition::RECEIVED, v1::Petition::FORWARDED_TO_CLUE, "涉嫌违纪").ok());
  EXPECT_EQ(CheckTriage(v1::Petition::RECEIVED, v1::Petition::CLOSED, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTriage(v1::Petition::CLOSED, v1::Petition::FORWARDED_TO_ISSUE, "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckTriage(v1::Petition::RECEIVED, v1::Petition::RECEIVED, "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FieldworkKeyTest, HexAndBase64) {
  EXPECT_EQ(DecodeKey("k", std::string(64, 'a'), 32)->size(), 32u);
  EXPECT_EQ(DecodeKey("k", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 32)->size(), 32u);
  EXPECT_FALSE(DecodeKey("k", "abcd", 32).ok());
}

TEST(FieldworkDocumentTest, StepsAndChecklist) {
  EXPECT_TRUE(
      CheckDocumentTransition(v1::DocumentRequest::REQUESTED, v1::DocumentRequest::PROVIDED).ok());
  EXPECT_TRUE(
      CheckDocumentTransition(v1::DocumentRequest::PROVIDED, v1::DocumentRequest::REVIEWED).ok());
  absl::Status s =
      CheckDocumentTransition(v1::DocumentRequest::REQUESTED, v1::DocumentRequest::REVIEWED);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "REQUESTED")) << s;
  EXPECT_FALSE(
      CheckDocumentTransition(v1::DocumentRequest::PROVIDED, v1::DocumentRequest::PROVIDED).ok());
  auto checklist = ThreeMustSeeChecklist();
  ASSERT_EQ(checklist.size(), 3u);
  EXPECT_EQ(checklist[0].first, "党建资料");
  EXPECT_EQ(checklist[2].first, "财务档案");
  v1::DocumentRequest d;
  d.set_title("会议记录");
  d.set_due_date("2024-02-30");
  EXPECT_EQ(ValidateNewDocumentRequest(d).code(), absl::StatusCode::kInvalidArgument);
  d.set_due_date("2024-02-29");
  EXPECT_TRUE(ValidateNewDocumentRequest(d).ok());
  d.set_review_notes("x");
  d.set_findings("y");
  StripForLiaison(d);
  EXPECT_TRUE(d.review_notes().empty());
  EXPECT_TRUE(d.findings().empty());
  EngagementAccess liaison;
  liaison.liaison = true;
  EXPECT_TRUE(CanReadDocumentRequests(liaison));
  EXPECT_TRUE(CanMarkDocumentProvided(liaison));
  EXPECT_FALSE(CanReviewDocuments(liaison));
}

TEST(FieldworkEvidenceTest, SizeLimitNameAndHash) {
  v1::UploadEvidenceRequest r;
  r.set_engagement_id("44444444-4444-4444-8444-444444444444");
  r.set_filename("凭证.pdf");
  r.set_content(std::string(100, 'x'));
  EXPECT_TRUE(ValidateEvidenceUpload(r, 100).ok());
  absl::Status s = ValidateEvidenceUpload(r, 99);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "content: larger than the limit")) << s;
  r.set_filename("../etc/passwd");
  EXPECT_FALSE(ValidateEvidenceUpload(r, 100).ok());
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
}

// --- Interview outlines ----------------------------------------------------------------------

Principal Staff(const std::string& office_id, const std::string& path,
                std::vector<std::string> roles) {
  Principal p;
  p.kind = TokenClaims::USER;
  p.subject_id = "u1";
  p.office_id = office_id;
  p.office_path = path;
  p.roles = std::move(roles);
  return p;
}

TEST(FieldworkOutlineTest, OfficesReadTheirOwnAndBelowAndWriteTheirOwn) {
  const OutlineOwner county{"county", "c1.x2"};
  const OutlineOwner built_in{};
  const Principal county_staff = Staff("county", "c1.x2", {"OFFICE_STAFF"});
  const Principal city_viewer = Staff("city", "c1", {"VIEWER"});
  const Principal city_admin = Staff("city", "c1", {"OFFICE_ADMIN"});
  const Principal sibling = Staff("other", "c1.x3", {"OFFICE_ADMIN"});
  Principal liaison;
  liaison.roles = {"UNIT_LIAISON"};
  liaison.unit_path = "c1.x2.d1";
  Principal member;  // a group member with no office role
  member.person_id = "p1";
  member.office_id = "county";
  member.office_path = "c1.x2";

  EXPECT_TRUE(CanReadOutline(county_staff, county));
  EXPECT_TRUE(CanReadOutline(city_viewer, county));  // an office above reads
  EXPECT_FALSE(CanReadOutline(sibling, county));
  EXPECT_FALSE(CanReadOutline(liaison, county));
  EXPECT_FALSE(CanReadOutline(member, county));
  EXPECT_FALSE(CanReadOutline(Staff("county", "c1.x2", {"OFFICE_STAFF"}), {"city", "c1"}));
  EXPECT_TRUE(CanReadOutline(sibling, built_in));
  EXPECT_FALSE(CanReadOutline(liaison, built_in));

  EXPECT_TRUE(CanWriteOutline(county_staff, county));
  EXPECT_FALSE(CanWriteOutline(city_admin, county));  // above: read-only
  EXPECT_FALSE(CanWriteOutline(Staff("county", "c1.x2", {"VIEWER"}), county));
  EXPECT_FALSE(CanWriteOutline(city_admin, built_in));
}

TEST(FieldworkOutlineTest, UsableOnTheOwningOfficesEngagementsOnly) {
  EngagementSnapshot e = Engagement();
  e.set_office_id("city");
  EXPECT_TRUE(OutlineUsableOn({}, e));
  EXPECT_TRUE(OutlineUsableOn({"city", "c1"}, e));
  EXPECT_FALSE(OutlineUsableOn({"county", "c1.x2"}, e));
  EngagementAccess access;
  EXPECT_FALSE(CanReadOutlinesOn(access));
  access.liaison = true;
  EXPECT_FALSE(CanReadOutlinesOn(access));
  access.member = true;
  EXPECT_TRUE(CanReadOutlinesOn(access));
}

TEST(FieldworkOutlineTest, ValidatesTitleCategoryQuestionsAndVersion) {
  google::protobuf::RepeatedPtrField<std::string> questions;
  *questions.Add() = "请谈谈班子民主集中制执行情况";
  EXPECT_TRUE(ValidateOutline("提纲", v1::Interview::LEADERSHIP_MEMBER, questions).ok());
  EXPECT_TRUE(ValidateOutline("提纲", v1::Interview::CATEGORY_UNSPECIFIED, questions).ok());
  EXPECT_EQ(ValidateOutline("", v1::Interview::STAFF, questions).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateOutline("提纲", static_cast<v1::Interview::Category>(99), questions).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateOutline("提纲", v1::Interview::STAFF, {}).code(),
            absl::StatusCode::kInvalidArgument);
  *questions.Add() = " ";
  absl::Status blank = ValidateOutline("提纲", v1::Interview::STAFF, questions);
  EXPECT_TRUE(absl::StrContains(blank.message(), "questions[1]")) << blank;
  *questions.Mutable(1) = std::string("\xff\xfe", 2);
  EXPECT_EQ(ValidateOutline("提纲", v1::Interview::STAFF, questions).code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_TRUE(CheckOutlineVersion(3, 3).ok());
  EXPECT_EQ(CheckOutlineVersion(3, 0).code(), absl::StatusCode::kInvalidArgument);
  absl::Status stale = CheckOutlineVersion(3, 2);
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(stale.message(), "version 3")) << stale;
}

// --- Petition follow-up and evidence ----------------------------------------------------------

TEST(FieldworkPetitionThreadTest, ClosedPetitionsTakeNoMessages) {
  EXPECT_TRUE(CheckPetitionOpenForMessages(v1::Petition::RECEIVED).ok());
  EXPECT_TRUE(CheckPetitionOpenForMessages(v1::Petition::FORWARDED_TO_CLUE).ok());
  EXPECT_EQ(CheckPetitionOpenForMessages(v1::Petition::CLOSED).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValidatePetitionMessage("text", "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePetitionMessage("text", std::string("\xc3\x28", 2)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FieldworkEvidenceTest, AttachmentsNarrowWhoReadsAFile) {
  using K = v1::EvidenceTarget;
  EngagementAccess member;
  member.member = true;
  EngagementAccess staff;
  staff.office = true;
  EngagementAccess leadership = staff;
  leadership.leadership = true;
  EngagementAccess above;
  above.office_above = true;
  EngagementAccess liaison;
  liaison.liaison = true;

  EXPECT_TRUE(CanReadEvidenceIn(staff, {}));
  EXPECT_TRUE(CanReadEvidenceIn(above, {}));
  EXPECT_FALSE(CanReadEvidenceIn(liaison, {}));
  // Interview attachments: as confidential as the interview.
  EXPECT_TRUE(CanReadEvidenceIn(member, {K::INTERVIEW}));
  EXPECT_TRUE(CanReadEvidenceIn(leadership, {K::INTERVIEW}));
  EXPECT_FALSE(CanReadEvidenceIn(staff, {K::INTERVIEW}));
  EXPECT_FALSE(CanReadEvidenceIn(staff, {K::DOCUMENT_REQUEST, K::INTERVIEW}));
  // Petition attachments: not the offices above.
  EXPECT_TRUE(CanReadEvidenceIn(staff, {K::PETITION}));
  EXPECT_FALSE(CanReadEvidenceIn(above, {K::PETITION}));
  // Document review material: never the liaison, even of the unit.
  EXPECT_TRUE(CanReadEvidenceIn(above, {K::DOCUMENT_REQUEST}));
  EXPECT_FALSE(CanReadEvidenceIn(liaison, {K::DOCUMENT_REQUEST}));
  EXPECT_FALSE(CanReadEvidenceIn(leadership, {K::KIND_UNSPECIFIED}));

  EXPECT_TRUE(CanAttachEvidence(member, K::INTERVIEW));
  EXPECT_FALSE(CanAttachEvidence(staff, K::INTERVIEW));
  EXPECT_TRUE(CanAttachEvidence(staff, K::PETITION));
  EXPECT_FALSE(CanAttachEvidence(liaison, K::DOCUMENT_REQUEST));
  // The liaison adds rectification evidence to the engagement, attached to nothing.
  EXPECT_TRUE(CanUploadEvidence(liaison, false));
  EXPECT_FALSE(CanUploadEvidence(liaison, true));
  EXPECT_TRUE(CanUploadEvidence(member, true));
  EXPECT_FALSE(CanUploadEvidence(above, false));

  v1::EvidenceTarget target;
  EXPECT_EQ(ValidateEvidenceTarget("attach_to", target).code(), absl::StatusCode::kInvalidArgument);
  target.set_kind(K::PETITION);
  absl::Status no_id = ValidateEvidenceTarget("attach_to", target);
  EXPECT_TRUE(absl::StrContains(no_id.message(), "attach_to.id")) << no_id;
  target.set_id(kMember);
  EXPECT_TRUE(ValidateEvidenceTarget("attach_to", target).ok());
}

}  // namespace
}  // namespace xuncha::fieldwork
