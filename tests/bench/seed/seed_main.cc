// xuncha-seed: builds a realistic province through the services' own gRPC write paths (never SQL):
// 1 city office + 10 county offices + 1 enterprise-group office, their org trees (departments
// with coverage categories and subsidiaries), a talent pool, a term plan per office, rounds over
// three years with groups and targets (engagements), issues taken through verification and
// confirmation, reports submitted, approved and fed back — so rectification opens cases and
// items from the real issues.report.fed_back events — and clues registered by the offices.
//
//   xuncha-seed --directory=127.0.0.1:P --planning=... --issues=... --rectification=...
//     --clues=... --admin_password_file=F --token_key_file=PRIVATE.pem --out=DIR
//     [--seed=1] [--scale=tiny|small|full] [--parallel=8]
//
// Deterministic from --seed: every name, count, choice and date is drawn from it (the ids are the
// services' own uuids). The platform admin logs in with the bootstrap password; office and group
// tokens are signed with the platform's signing key, as the services' tests do, because creating
// and logging in a user per group member would only add directory writes unrelated to the data.
// Writes DIR/pools/*.txt (id lists for xuncha-loadgen), DIR/tokens/*.token and DIR/summary.txt.
// Restartable from empty: run it against a fresh platform (tests/bench/run.sh caches the result).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "xuncha/auth.h"
#include "xuncha/clues/v1/clues.grpc.pb.h"
#include "xuncha/directory/v1/directory.grpc.pb.h"
#include "xuncha/engagements.h"
#include "xuncha/issues/v1/issues.grpc.pb.h"
#include "xuncha/planning/v1/planning.grpc.pb.h"
#include "xuncha/rectification/v1/rectification.grpc.pb.h"

namespace xuncha::bench {
namespace {

namespace dir = ::xuncha::directory::v1;
namespace plan = ::xuncha::planning::v1;
namespace iss = ::xuncha::issues::v1;
namespace clu = ::xuncha::clues::v1;
namespace rec = ::xuncha::rectification::v1;
using Member = ::xuncha::common::v1::EngagementSnapshot::Member;

struct Scale {
  int departments;      // per office unit
  int subsidiaries;     // per department
  int people;           // in all
  int years;            // of rounds
  int rounds_per_year;  // per office
  int groups_per_round;
  int targets_per_group;
  long issues;  // in all
  long items;   // confirmed and fed back → rectification items
  long clues;
};

bool ScaleByName(const std::string& name, Scale* s) {
  if (name == "tiny")
    *s = {3, 1, 120, 1, 1, 1, 2, 120, 48, 12};
  else if (name == "small")
    *s = {20, 3, 2000, 3, 2, 2, 3, 20000, 6000, 400};
  else if (name == "full")
    *s = {40, 6, 2000, 3, 3, 4, 4, 1000000, 300000, 20000};
  else
    return false;
  return true;
}

struct Options {
  std::string directory, planning, issues, rectification, clues;
  std::string admin_password, token_key, out;
  std::uint64_t seed = 1;
  std::string scale = "small";
  int parallel = 8;
  // Re-sign DIR/tokens from DIR/pools (a cached data set outlives its one-day tokens).
  bool tokens_only = false;
};

[[noreturn]] void Die(const std::string& m) {
  std::fprintf(stderr, "xuncha-seed: %s\n", m.c_str());
  std::exit(1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Check(const grpc::Status& s, const std::string& what) {
  if (!s.ok()) {
    Die(absl::StrCat(what, ": ", static_cast<int>(s.error_code()), " ", s.error_message()));
  }
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// A uuid-shaped id drawn from the seed (for references to records the seed does not create, such
// as the interview an issue came from).
std::string SeededUuid(std::mt19937_64& rng) {
  const std::uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>((b >> 48) & 0xfff),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

// Chinese-looking personal names from the seed.
std::string PersonName(std::mt19937_64& rng) {
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                    "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
  static const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强",   "磊", "军", "洋",
                                 "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚"};
  return absl::StrCat(kSurnames[rng() % 20], kGiven[rng() % 20], kGiven[rng() % 20]);
}

struct OfficeSeed {
  std::string name;
  dir::OrgUnit unit;
  dir::Office office;
  std::string admin, leading, staff;  // tokens
  std::vector<dir::OrgUnit> targets;  // departments and subsidiaries
  std::vector<std::string> people;
  std::string term_plan;
};

struct EngagementSeed {
  std::string id, leader_person, leader_token, round_id;
  int office = 0;
  std::string target_path;  // the inspected unit: its liaison works the rectification items
};

std::string FirstLine(const std::string& path) {
  std::string text = ReadFile(path);
  return std::string(absl::StripAsciiWhitespace(text.substr(0, text.find('\n'))));
}

// Tokens for the benchmark runs, valid for a day: the city office's staff and leading group,
// and the leader of the first engagement (creates issues in the create-issue comparison).
int SignTokens(const Options& o) {
  auto signer = TokenSigner::FromPrivatePem(ReadFile(o.token_key), "xuncha");
  if (!signer.ok()) Die(signer.status().ToString());
  const std::string office = FirstLine(o.out + "/pools/city_office.txt");
  const std::string path = FirstLine(o.out + "/pools/city_path.txt");
  const std::string leader = FirstLine(o.out + "/pools/leader_person.txt");
  std::filesystem::create_directories(o.out + "/tokens");
  auto write = [&](const std::string& name, std::vector<std::string> roles,
                   const std::string& person) {
    TokenClaims c;
    c.set_sub("bench-" + name);
    c.set_username(c.sub());
    c.set_kind(TokenClaims::USER);
    c.set_office_id(office);
    c.set_office_path(path);
    for (auto& r : roles) c.add_roles(r);
    c.set_person_id(person);
    auto t = signer->Sign(c, absl::Now(), absl::Hours(24));
    if (!t.ok()) Die(t.status().ToString());
    std::ofstream out(o.out + "/tokens/" + name + ".token");
    out << *t << "\n";
    if (!out) Die("cannot write token " + name);
  };
  write("city_staff", {"OFFICE_STAFF"}, "");
  write("city_leading", {"LEADING_GROUP"}, "");
  write("leader", {}, leader);
  return 0;
}

class Seeder {
 public:
  explicit Seeder(Options o) : o_(std::move(o)), rng_(o_.seed) {
    if (!ScaleByName(o_.scale, &scale_)) Die("--scale must be tiny, small or full");
    auto signer = TokenSigner::FromPrivatePem(ReadFile(o_.token_key), "xuncha");
    if (!signer.ok()) Die(signer.status().ToString());
    signer_ = std::make_unique<TokenSigner>(std::move(*signer));
    dir_ = dir::DirectoryService::NewStub(Channel(o_.directory));
    plan_ = plan::PlanningService::NewStub(Channel(o_.planning));
    issues_ = iss::IssuesService::NewStub(Channel(o_.issues));
    rect_ = rec::RectificationService::NewStub(Channel(o_.rectification));
    clues_ = clu::CluesService::NewStub(Channel(o_.clues));
    today_ = TodayInChina();
  }

  void Run() {
    const auto t0 = std::chrono::steady_clock::now();
    Login();
    Directory();
    Planning();
    Issues();
    WaitForRectification();
    RectificationItems();
    const double s = Seconds(t0);
    WriteOutputs(s);
  }

 private:
  static double Seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  std::string Sign(const OfficeSeed& office, std::vector<std::string> roles,
                   const std::string& person = "") {
    TokenClaims c;
    c.set_sub(absl::StrCat("seed-", ++token_seq_));
    c.set_kind(TokenClaims::USER);
    c.set_username(c.sub());
    c.set_office_id(office.office.id());
    c.set_office_path(office.office.path());
    for (auto& r : roles) c.add_roles(r);
    c.set_person_id(person);
    // A day: long enough for the seed and a benchmark run afterwards.
    auto t = signer_->Sign(c, absl::Now(), absl::Hours(24));
    if (!t.ok()) Die(t.status().ToString());
    return *t;
  }

  // A unit liaison of `unit_path` (no office): who plans, starts and completes its items.
  std::string SignLiaison(const std::string& unit_path) {
    TokenClaims c;
    c.set_sub(absl::StrCat("seed-", ++token_seq_));
    c.set_kind(TokenClaims::USER);
    c.set_username(c.sub());
    c.add_roles("UNIT_LIAISON");
    c.set_unit_path(unit_path);
    auto t = signer_->Sign(c, absl::Now(), absl::Hours(24));
    if (!t.ok()) Die(t.status().ToString());
    return *t;
  }

  void Login() {
    dir::IssueTokenRequest req;
    req.set_username("admin");
    req.set_password(o_.admin_password);
    dir::IssueTokenResponse out;
    Check(dir_->IssueToken(Ctx("").get(), req, &out), "login as admin");
    admin_ = out.access_token();
  }

  dir::OrgUnit Unit(const std::string& token, const std::string& parent, const std::string& name,
                    dir::OrgUnit::Kind kind, const std::string& category) {
    dir::CreateOrgUnitRequest req;
    req.mutable_org_unit()->set_parent(parent);
    req.mutable_org_unit()->set_name(name);
    req.mutable_org_unit()->set_kind(kind);
    req.mutable_org_unit()->set_category(category);
    dir::OrgUnit out;
    Check(dir_->CreateOrgUnit(Ctx(token).get(), req, &out), "create org unit " + name);
    return out;
  }

  void Progress(const char* what, long done, long total, std::chrono::steady_clock::time_point t0) {
    std::fprintf(stderr, "[seed] %-14s %ld/%ld (%.0f/s)\n", what, done, total,
                 done / std::max(Seconds(t0), 1e-3));
  }

  // Runs fn(i) for i in [0, n) on --parallel threads; fn must be thread-safe.
  void ParallelFor(long n, const char* what, const std::function<void(long)>& fn) {
    std::atomic<long> next{0}, done{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < o_.parallel; ++t) {
      threads.emplace_back([&] {
        for (long i; (i = next.fetch_add(1)) < n;) {
          fn(i);
          const long d = done.fetch_add(1) + 1;
          if (d % std::max<long>(1, n / 20) == 0) {
            std::lock_guard<std::mutex> lock(print_mu_);
            Progress(what, d, n, t0);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    rates_.push_back(absl::StrCat(what, ": ", n, " in ", Seconds(t0), " s"));
  }

  void Directory() {
    static const char* kCategories[] = {"生产单位", "辅助单位", "业务部门", "机关部门", "服务单位"};
    static const char* kDepartments[] = {"财政局", "教育局",     "卫健委", "住建局",     "交通局",
                                         "水利局", "农业农村局", "商务局", "市场监管局", "审计局"};
    const auto t0 = std::chrono::steady_clock::now();
    OfficeSeed city;
    city.name = "某市委";
    city.unit = Unit(admin_, "", "某市委", dir::OrgUnit::CITY_COMMITTEE, "");
    offices_.push_back(city);
    for (int c = 0; c < 10; ++c) {
      OfficeSeed county;
      county.name = absl::StrCat("第", c + 1, "县委");
      county.unit = Unit(admin_, city.unit.id(), county.name, dir::OrgUnit::COUNTY_COMMITTEE, "");
      offices_.push_back(county);
    }
    OfficeSeed group;
    group.name = "某能源集团";
    group.unit = Unit(admin_, "", group.name, dir::OrgUnit::ENTERPRISE_GROUP, "");
    offices_.push_back(group);
    for (auto& o : offices_) {
      dir::CreateOfficeRequest req;
      req.mutable_office()->set_org_unit_id(o.unit.id());
      req.mutable_office()->set_name(o.name + "巡察办");
      Check(dir_->CreateOffice(Ctx(admin_).get(), req, &o.office), "create office " + o.name);
      o.admin = Sign(o, {"OFFICE_ADMIN"});
      o.leading = Sign(o, {"LEADING_GROUP"});
      o.staff = Sign(o, {"OFFICE_STAFF"});
    }
    // Org trees: departments (with a coverage category) and their subsidiaries.
    struct UnitJob {
      int office, dept;
    };
    std::vector<UnitJob> jobs;
    for (int o = 0; o < static_cast<int>(offices_.size()); ++o) {
      for (int d = 0; d < scale_.departments; ++d) jobs.push_back({o, d});
    }
    std::vector<std::vector<dir::OrgUnit>> made(jobs.size());
    std::vector<std::uint64_t> seeds(jobs.size());
    for (auto& s : seeds) s = rng_();
    ParallelFor(static_cast<long>(jobs.size()), "org units", [&](long i) {
      const UnitJob& j = jobs[static_cast<std::size_t>(i)];
      std::mt19937_64 rng(seeds[static_cast<std::size_t>(i)]);
      OfficeSeed& o = offices_[static_cast<std::size_t>(j.office)];
      const bool enterprise = j.office == static_cast<int>(offices_.size()) - 1;
      const std::string name = absl::StrCat(o.name, kDepartments[j.dept % 10], j.dept / 10 + 1);
      const std::string category = kCategories[rng() % 5];
      dir::OrgUnit dept =
          Unit(o.admin, o.unit.id(), name,
               enterprise ? dir::OrgUnit::SUBSIDIARY : dir::OrgUnit::DEPARTMENT, category);
      auto& list = made[static_cast<std::size_t>(i)];
      list.push_back(dept);
      for (int s = 0; s < scale_.subsidiaries; ++s) {
        list.push_back(Unit(o.admin, dept.id(), absl::StrCat(name, "下属单位", s + 1),
                            enterprise ? dir::OrgUnit::SUBSIDIARY : dir::OrgUnit::PARTY_BRANCH,
                            kCategories[rng() % 5]));
      }
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      auto& t = offices_[static_cast<std::size_t>(jobs[i].office)].targets;
      t.insert(t.end(), made[i].begin(), made[i].end());
    }
    // People, spread over the offices, employed by the committee the office serves (so they are
    // not the staff of any target), enrolled in their office's talent pool.
    static const char* kExpertise[] = {"纪检", "组织", "审计", "财务", "法律"};
    std::vector<std::uint64_t> pseeds(static_cast<std::size_t>(scale_.people));
    for (auto& s : pseeds) s = rng_();
    std::vector<std::string> person_ids(pseeds.size());
    ParallelFor(scale_.people, "people", [&](long i) {
      std::mt19937_64 rng(pseeds[static_cast<std::size_t>(i)]);
      OfficeSeed& o = offices_[static_cast<std::size_t>(i) % offices_.size()];
      dir::CreatePersonRequest req;
      req.mutable_person()->set_name(PersonName(rng));
      req.mutable_person()->set_employer_unit_id(o.unit.id());
      req.mutable_person()->add_expertise(kExpertise[rng() % 5]);
      if (rng() % 3 == 0) req.mutable_person()->add_expertise(kExpertise[rng() % 5]);
      dir::Person person;
      Check(dir_->CreatePerson(Ctx(o.admin).get(), req, &person), "create person");
      plan::EnrolTalentRequest enrol;
      enrol.set_person_id(person.id());
      plan::TalentPoolEntry entry;
      Check(plan_->EnrolTalent(Ctx(o.admin).get(), enrol, &entry), "enrol talent");
      person_ids[static_cast<std::size_t>(i)] = person.id();
    });
    for (std::size_t i = 0; i < person_ids.size(); ++i) {
      offices_[i % offices_.size()].people.push_back(person_ids[i]);
    }
    long units = 0;
    for (auto& o : offices_) units += 1 + static_cast<long>(o.targets.size());
    std::fprintf(stderr, "[seed] directory done: %zu offices, %ld org units, %d people, %.1f s\n",
                 offices_.size(), units, scale_.people, Seconds(t0));
  }

  void Planning() {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::uint64_t> seeds(offices_.size());
    for (auto& s : seeds) s = rng_();
    std::vector<std::vector<EngagementSeed>> made(offices_.size());
    std::vector<std::vector<std::string>> rounds(offices_.size());
    ParallelFor(static_cast<long>(offices_.size()), "offices planned", [&](long oi) {
      OfficeSeed& o = offices_[static_cast<std::size_t>(oi)];
      std::mt19937_64 rng(seeds[static_cast<std::size_t>(oi)]);
      // A term plan over the three years, listing every department as a unit to cover.
      plan::CreatePlanRequest req;
      req.mutable_plan()->set_kind(plan::Plan::TERM);
      req.mutable_plan()->set_title(o.name + "巡察工作规划");
      req.mutable_plan()->set_start_year(today_.year() - scale_.years + 1);
      req.mutable_plan()->set_end_year(today_.year() - scale_.years + 5);
      for (const auto& t : o.targets) req.mutable_plan()->add_unit_ids(t.id());
      plan::Plan p;
      Check(plan_->CreatePlan(Ctx(o.admin).get(), req, &p), "create term plan " + o.name);
      plan::ApprovePlanRequest approve;
      approve.set_id(p.id());
      Check(plan_->ApprovePlan(Ctx(o.leading).get(), approve, &p), "approve plan");
      o.term_plan = p.id();
      std::size_t next_person = 0, next_target = rng() % std::max<std::size_t>(1, o.targets.size());
      for (int y = 0; y < scale_.years; ++y) {
        for (int r = 0; r < scale_.rounds_per_year; ++r) {
          // Rounds spread back over the years, all started in the past so the groups' access
          // window is open (REGULAR rounds keep it until closed).
          const absl::CivilDay start = today_ - (30 + y * 365 + r * (300 / scale_.rounds_per_year));
          plan::CreateRoundRequest rr;
          rr.mutable_round()->set_plan_id(p.id());
          rr.mutable_round()->set_kind(plan::Round::REGULAR);
          rr.mutable_round()->set_title(
              absl::StrCat(o.name, start.year(), "年第", r + 1, "轮巡察"));
          rr.mutable_round()->set_station_start(Day(start));
          rr.mutable_round()->set_station_end(Day(start + 45));
          plan::Round round;
          Check(plan_->CreateRound(Ctx(o.admin).get(), rr, &round), "create round");
          for (int g = 0; g < scale_.groups_per_round; ++g) {
            plan::CreateGroupRequest gr;
            gr.set_round_id(round.id());
            gr.mutable_group()->set_name(absl::StrCat("第", g + 1, "巡察组"));
            gr.mutable_group()->set_source_office_id(o.office.id());
            std::string leader;
            for (int m = 0; m < 3; ++m) {
              if (o.people.empty()) Die("no people in " + o.name);
              const std::string& person = o.people[next_person++ % o.people.size()];
              auto* member = gr.mutable_group()->add_members();
              member->set_person_id(person);
              member->set_role(m == 0 ? Member::LEADER : Member::MEMBER);
              if (m == 0) leader = person;
            }
            for (int t = 0; t < scale_.targets_per_group; ++t) {
              gr.mutable_group()->add_targets()->set_unit_id(
                  o.targets[next_target++ % o.targets.size()].id());
            }
            plan::Group group;
            Check(plan_->CreateGroup(Ctx(o.admin).get(), gr, &group), "create group");
            const std::string leader_token = Sign(o, {}, leader);
            for (const auto& t : group.targets()) {
              std::string target_path;
              for (const auto& unit : o.targets) {
                if (unit.id() == t.unit_id()) target_path = unit.path();
              }
              made[static_cast<std::size_t>(oi)].push_back({t.engagement_id(), leader, leader_token,
                                                            round.id(), static_cast<int>(oi),
                                                            target_path});
            }
          }
          plan::RoundTransitionRequest step;
          step.set_id(round.id());
          Check(plan_->ApproveRound(Ctx(o.leading).get(), step, &round), "approve round");
          Check(plan_->StartFieldwork(Ctx(o.admin).get(), step, &round), "start fieldwork");
          rounds[static_cast<std::size_t>(oi)].push_back(round.id());
        }
      }
    });
    for (auto& list : made) engagements_.insert(engagements_.end(), list.begin(), list.end());
    for (auto& list : rounds) rounds_.insert(rounds_.end(), list.begin(), list.end());
    std::fprintf(stderr, "[seed] planning done: %zu rounds, %zu engagements, %.1f s\n",
                 rounds_.size(), engagements_.size(), Seconds(t0));
  }

  // The n-th of `count` shares of `total`: spreads a total over engagements exactly.
  static long Share(long total, long count, long n) {
    return total / count + (n < total % count ? 1 : 0);
  }

  void Issues() {
    // Leaf categories of the standard taxonomy.
    iss::ListTaxonomyResponse taxonomy;
    Check(issues_->ListTaxonomy(Ctx(offices_[0].staff).get(), {}, &taxonomy), "list taxonomy");
    std::set<std::string> parents;
    for (const auto& e : taxonomy.entries()) parents.insert(e.parent_id());
    for (const auto& e : taxonomy.entries()) {
      if (!parents.contains(e.id())) categories_.push_back(e.id());
    }
    if (categories_.empty()) Die("issues: the taxonomy has no entries");
    const long n = static_cast<long>(engagements_.size());
    std::vector<std::uint64_t> seeds(static_cast<std::size_t>(n));
    for (auto& s : seeds) s = rng_();
    std::atomic<long> issues_done{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::mutex sample_mu;
    ParallelFor(n, "engagements", [&](long i) {
      const EngagementSeed& e = engagements_[static_cast<std::size_t>(i)];
      const OfficeSeed& o = offices_[static_cast<std::size_t>(e.office)];
      std::mt19937_64 rng(seeds[static_cast<std::size_t>(i)]);
      WaitForEngagement(e, o);
      const long issues = std::max(Share(scale_.issues, n, i), Share(scale_.items, n, i));
      const long confirmed = Share(scale_.items, n, i);
      const long clues = Share(scale_.clues, n, i);
      std::vector<std::string> ids;
      for (long k = 0; k < issues; ++k) {
        iss::CreateIssueRequest req;
        iss::Issue* issue = req.mutable_issue();
        issue->set_engagement_id(e.id);
        issue->set_title(absl::StrCat("问题", k + 1, "：", kTitles[rng() % 6]));
        issue->set_description("经查阅凭证、个别谈话发现");
        issue->set_category_id(categories_[rng() % categories_.size()]);
        issue->set_discipline_type(static_cast<iss::Issue::DisciplineType>(1 + rng() % 6));
        issue->set_severity(static_cast<iss::Issue::Severity>(1 + rng() % 3));
        issue->set_source(static_cast<iss::Issue::Source>(1 + rng() % 6));
        issue->set_four_winds(rng() % 4 == 0);
        issue->set_responsible_post("负责人");
        issue->set_source_record_id(SeededUuid(rng));
        iss::Issue out;
        Check(issues_->CreateIssue(Ctx(e.leader_token).get(), req, &out), "create issue");
        ids.push_back(out.id());
        const long d = issues_done.fetch_add(1) + 1;
        if (d % 5000 == 0) {
          std::lock_guard<std::mutex> lock(print_mu_);
          Progress("issues", d, scale_.issues, t0);
        }
      }
      for (long k = 0; k < confirmed; ++k) {
        iss::StartVerificationRequest v;
        v.set_id(ids[static_cast<std::size_t>(k)]);
        iss::Issue out;
        Check(issues_->StartVerification(Ctx(e.leader_token).get(), v, &out), "verify issue");
        iss::ConfirmIssueRequest c;
        c.set_id(v.id());
        c.mutable_sign_off()->set_signer_name("单位主要负责人");
        c.mutable_sign_off()->set_signer_post("党组书记");
        c.mutable_sign_off()->set_signed_on(Day(today_));
        c.mutable_sign_off()->set_statement("对反馈问题无异议，认领整改");
        Check(issues_->ConfirmIssue(Ctx(e.leader_token).get(), c, &out), "confirm issue");
      }
      if (confirmed > 0) {
        iss::CreateReportRequest cr;
        cr.set_engagement_id(e.id);
        cr.set_summary("落实全面从严治党主体责任不到位");
        iss::Report report;
        Check(issues_->CreateReport(Ctx(e.leader_token).get(), cr, &report), "create report");
        iss::SubmitReportRequest sub;
        sub.set_id(report.id());
        Check(issues_->SubmitReport(Ctx(e.leader_token).get(), sub, &report), "submit report");
        iss::ApproveReportRequest ap;
        ap.set_id(report.id());
        Check(issues_->ApproveReport(Ctx(o.leading).get(), ap, &report), "approve report");
        iss::FeedBackReportRequest fb;
        fb.set_id(report.id());
        fb.set_requirements("逐项制定整改措施");
        fb.set_rectification_plan_due(Day(today_ + 20));
        Check(issues_->FeedBackReport(Ctx(e.leader_token).get(), fb, &report), "feed back");
      }
      for (long k = 0; k < clues; ++k) {
        clu::CreateClueRequest req;
        clu::Clue* clue = req.mutable_clue();
        clue->set_engagement_id(e.id);
        clue->set_source(clu::Clue::ISSUE);
        clue->set_source_id(ids[static_cast<std::size_t>(k) % ids.size()]);
        clue->set_subject_person(PersonName(rng));
        clue->set_subject_position("副局长");
        clue->set_cadre_level(static_cast<clu::Clue::CadreLevel>(1 + rng() % 5));
        clue->set_matter_type(static_cast<clu::Clue::MatterType>(1 + rng() % 3));
        clue->set_summary("涉嫌违规收受礼金");
        clu::Clue out;
        Check(clues_->CreateClue(Ctx(o.leading).get(), req, &out), "create clue");
      }
      std::lock_guard<std::mutex> lock(sample_mu);
      // Up to 20,000 issue ids for read scenarios.
      for (const auto& id : ids) {
        if (issue_sample_.size() < 20000) issue_sample_.push_back(id);
      }
    });
    issue_rate_ = issues_done.load() / std::max(Seconds(t0), 1e-3);
    std::fprintf(stderr,
                 "[seed] issues done: %ld issues, %.0f issues/s (with verification, "
                 "reports and clues in the same workers)\n",
                 issues_done.load(), issue_rate_);
  }

  // Issues learns engagements from planning's events; wait until it has this one.
  void WaitForEngagement(const EngagementSeed& e, const OfficeSeed& o) {
    iss::GetIssueStatsRequest req;
    req.set_engagement_id(e.id);
    for (int i = 0; i < 600; ++i) {
      iss::IssueStats stats;
      grpc::Status s = issues_->GetIssueStats(Ctx(o.staff).get(), req, &stats);
      if (s.ok()) return;
      if (s.error_code() != grpc::StatusCode::NOT_FOUND) Check(s, "issue stats");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Die("issues never learned engagement " + e.id);
  }

  // Rectification opens items from the fed-back events asynchronously; wait for all of them.
  void WaitForRectification() {
    const auto t0 = std::chrono::steady_clock::now();
    long total = 0;
    for (int i = 0; i < 3600; ++i) {
      total = 0;
      for (const auto& o : offices_) {
        // City office: its own and the counties' (rolled up); the group: its own.
        if (&o != &offices_.front() && &o != &offices_.back()) continue;
        rec::GetRectificationStatsRequest req;
        req.set_org(o.office.path());
        rec::RectificationStats stats;
        Check(rect_->GetRectificationStats(Ctx(o.staff).get(), req, &stats), "rect stats");
        total += stats.totals().total();
      }
      if (total >= scale_.items) break;
      if (i % 20 == 0) Progress("rect. items", total, scale_.items, t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    if (total < scale_.items) {
      Die(absl::StrCat("rectification has ", total, " of ", scale_.items, " items after waiting"));
    }
    items_seen_ = total;
  }

  // Rectification opens every item PLANNED without a plan; the dashboards should count items in
  // all states. Each item goes as far through plan → start → complete → accept/reject as its
  // share says, by the unit's liaison (plan, start, complete) and the office (accept, reject),
  // through the real RPCs: 15 % stay PLANNED without a plan, 10 % PLANNED with one, 15 %
  // IN_PROGRESS, 10 % COMPLETED awaiting acceptance, 5 % rejected back to IN_PROGRESS, 45 %
  // ACCEPTED. The share is a function of the engagement's position and the item's title (titles
  // are numbered per engagement), so the same seed moves the same items.
  void RectificationItems() {
    enum Stage { kUntouched, kPlanned, kStarted, kCompleted, kRejected, kAccepted, kStages };
    static constexpr const char* kStageNames[] = {"untouched", "planned",  "in_progress",
                                                  "completed", "rejected", "accepted"};
    std::array<std::atomic<long>, kStages> moved{};
    const long n = static_cast<long>(engagements_.size());
    ParallelFor(n, "rect. item states", [&](long i) {
      const EngagementSeed& e = engagements_[static_cast<std::size_t>(i)];
      const OfficeSeed& o = offices_[static_cast<std::size_t>(e.office)];
      rec::ListRectificationCasesRequest list;
      list.set_engagement_id(e.id);
      rec::ListRectificationCasesResponse cases;
      Check(rect_->ListRectificationCases(Ctx(o.staff).get(), list, &cases), "list cases");
      if (cases.cases().empty()) return;
      if (e.target_path.empty()) Die("no target unit path for engagement " + e.id);
      const std::string liaison = SignLiaison(e.target_path);
      for (const auto& c : cases.cases()) {
        rec::GetRectificationCaseRequest get;
        get.set_id(c.id());
        rec::RectificationCase full;
        Check(rect_->GetRectificationCase(Ctx(o.staff).get(), get, &full), "get case");
        std::vector<rec::RectificationItem> items(full.items().begin(), full.items().end());
        std::sort(items.begin(), items.end(),
                  [](const auto& a, const auto& b) { return a.title() < b.title(); });
        for (std::size_t k = 0; k < items.size(); ++k) {
          const rec::RectificationItem& item = items[k];
          if (item.state() != rec::RectificationItem::PLANNED || item.plan().owner() != "") {
            continue;  // a re-run over a seeded platform leaves worked items alone
          }
          const long share = (i * 37 + static_cast<long>(k) * 11) % 100;
          const Stage stage = share < 15   ? kUntouched
                              : share < 25 ? kPlanned
                              : share < 40 ? kStarted
                              : share < 50 ? kCompleted
                              : share < 55 ? kRejected
                                           : kAccepted;
          ++moved[stage];
          if (stage == kUntouched) continue;
          absl::CivilDay feedback = today_;
          if (!item.feedback_date().empty()) {
            absl::ParseCivilTime(item.feedback_date(), &feedback);
          }
          rec::UpdateRectificationPlanRequest plan;
          plan.set_id(item.id());
          plan.mutable_plan()->set_measures("逐项建立台账，完善制度，追回违规资金");
          plan.mutable_plan()->set_owner("单位主要负责人");
          plan.mutable_plan()->set_goal("问题按期整改到位");
          // Some deadlines fall before today: those items are counted overdue.
          plan.mutable_plan()->set_deadline(Day(feedback + 30 + static_cast<long>(k % 8) * 30));
          rec::RectificationItem out;
          Check(rect_->UpdateRectificationPlan(Ctx(liaison).get(), plan, &out), "plan item");
          if (stage == kPlanned) continue;
          rec::StartRectificationItemRequest start;
          start.set_id(item.id());
          Check(rect_->StartRectificationItem(Ctx(liaison).get(), start, &out), "start item");
          if (stage == kStarted) continue;
          rec::CompleteRectificationItemRequest complete;
          complete.set_id(item.id());
          complete.set_note("已按整改措施完成整改");
          Check(rect_->CompleteRectificationItem(Ctx(liaison).get(), complete, &out),
                "complete item");
          if (stage == kCompleted) continue;
          if (stage == kRejected) {
            rec::RejectRectificationItemRequest reject;
            reject.set_id(item.id());
            reject.set_reason("整改材料不完整，请补充");
            Check(rect_->RejectRectificationItem(Ctx(o.staff).get(), reject, &out), "reject item");
            continue;
          }
          rec::AcceptRectificationItemRequest accept;
          accept.set_id(item.id());
          Check(rect_->AcceptRectificationItem(Ctx(o.staff).get(), accept, &out), "accept item");
        }
      }
    });
    std::vector<std::string> parts;
    for (int s = 0; s < kStages; ++s) {
      parts.push_back(absl::StrCat(kStageNames[s], ":", moved[static_cast<std::size_t>(s)].load()));
    }
    item_stages_ = absl::StrJoin(parts, ",");
    std::fprintf(stderr, "[seed] rectification items moved: %s\n", item_stages_.c_str());
  }

  void WriteList(const std::string& name, const std::vector<std::string>& values) {
    std::ofstream out(o_.out + "/pools/" + name + ".txt");
    for (const auto& v : values) out << v << "\n";
  }
  void WriteText(const std::string& path, const std::string& text) {
    std::ofstream out(o_.out + "/" + path);
    out << text << "\n";
    if (!out) Die("cannot write " + o_.out + "/" + path);
  }

  void WriteOutputs(double seconds) {
    std::filesystem::create_directories(o_.out + "/pools");
    std::filesystem::create_directories(o_.out + "/tokens");
    std::vector<std::string> orgs, engagements, offices, plans;
    for (const auto& o : offices_) {
      orgs.push_back(o.unit.id());
      for (const auto& t : o.targets) orgs.push_back(t.id());
      offices.push_back(o.office.id());
      plans.push_back(o.term_plan);
    }
    for (const auto& e : engagements_) engagements.push_back(e.id);
    WriteList("orgs", orgs);
    // What the city office sees: its own tree, the counties' below it (not the enterprise group).
    std::vector<std::string> city_orgs;
    for (std::size_t i = 0; i + 1 < offices_.size(); ++i) {
      city_orgs.push_back(offices_[i].unit.id());
      for (const auto& t : offices_[i].targets) city_orgs.push_back(t.id());
    }
    WriteList("city_orgs", city_orgs);
    WriteList("engagements", engagements);
    WriteList("offices", offices);
    WriteList("plans", plans);
    WriteList("issues", issue_sample_);
    WriteList("rounds", rounds_);
    const OfficeSeed& city = offices_.front();
    WriteText("pools/city_path.txt", city.office.path());
    WriteText("pools/city_office.txt", city.office.id());
    WriteText("pools/city_plan.txt", city.term_plan);
    WriteText("pools/leader_engagement.txt", engagements_.front().id);
    WriteText("pools/leader_person.txt", engagements_.front().leader_person);
    WriteText("pools/categories.txt", absl::StrJoin(categories_, "\n"));
    long units = 0;
    for (auto& o : offices_) units += 1 + static_cast<long>(o.targets.size());
    WriteText("summary.txt",
              absl::StrCat("scale=", o_.scale, " seed=", o_.seed, " offices=", offices_.size(),
                           " org_units=", units, " people=", scale_.people,
                           " rounds=", rounds_.size(), " engagements=", engagements_.size(),
                           " issues=", scale_.issues, " rectification_items=", items_seen_,
                           " item_stages=", item_stages_, " clues=", scale_.clues,
                           " seconds=", static_cast<long>(seconds), " issue_rate_per_s=",
                           static_cast<long>(issue_rate_), "\n", absl::StrJoin(rates_, "\n")));
    if (SignTokens(o_) != 0) Die("cannot sign tokens");
    std::fprintf(stderr, "[seed] done in %.0f s; outputs in %s\n", seconds, o_.out.c_str());
  }

  static constexpr const char* kTitles[] = {"违规发放津补贴",         "超标准公务接待",
                                            "干部任前公示不规范",     "政府采购程序不规范",
                                            "三重一大集体决策不落实", "专项资金管理不严"};
  Options o_;
  Scale scale_{};
  std::mt19937_64 rng_;
  std::unique_ptr<TokenSigner> signer_;
  std::unique_ptr<dir::DirectoryService::Stub> dir_;
  std::unique_ptr<plan::PlanningService::Stub> plan_;
  std::unique_ptr<iss::IssuesService::Stub> issues_;
  std::unique_ptr<rec::RectificationService::Stub> rect_;
  std::unique_ptr<clu::CluesService::Stub> clues_;
  absl::CivilDay today_;
  std::string admin_;
  std::atomic<long> token_seq_{0};
  std::vector<OfficeSeed> offices_;
  std::vector<EngagementSeed> engagements_;
  std::vector<std::string> rounds_, categories_, issue_sample_, rates_;
  std::mutex print_mu_;
  double issue_rate_ = 0;
  long items_seen_ = 0;
  std::string item_stages_;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) Die("bad argument " + arg);
    const std::string k = arg.substr(2, eq - 2), v = arg.substr(eq + 1);
    if (k == "directory")
      o.directory = v;
    else if (k == "planning")
      o.planning = v;
    else if (k == "issues")
      o.issues = v;
    else if (k == "rectification")
      o.rectification = v;
    else if (k == "clues")
      o.clues = v;
    else if (k == "admin_password_file")
      o.admin_password = std::string(absl::StripAsciiWhitespace(ReadFile(v)));
    else if (k == "token_key_file")
      o.token_key = v;
    else if (k == "out")
      o.out = v;
    else if (k == "scale")
      o.scale = v;
    else if (k == "tokens_only")
      o.tokens_only = v == "true" || v == "1";
    else if (k == "seed") {
      if (!absl::SimpleAtoi(v, &o.seed)) Die("--seed: must be a number");
    } else if (k == "parallel") {
      if (!absl::SimpleAtoi(v, &o.parallel) || o.parallel < 1) Die("--parallel: must be ≥ 1");
    } else {
      Die("unknown flag --" + k);
    }
  }
  if (o.tokens_only) {
    if (o.token_key.empty() || o.out.empty()) Die("--tokens_only needs --token_key_file and --out");
    return o;
  }
  if (o.directory.empty() || o.planning.empty() || o.issues.empty() || o.rectification.empty() ||
      o.clues.empty() || o.token_key.empty() || o.out.empty() || o.admin_password.empty()) {
    Die("--directory, --planning, --issues, --rectification, --clues, --admin_password_file, "
        "--token_key_file and --out are required");
  }
  return o;
}

}  // namespace
}  // namespace xuncha::bench

int main(int argc, char** argv) {
  xuncha::bench::Options options = xuncha::bench::ParseArgs(argc, argv);
  if (options.tokens_only) return xuncha::bench::SignTokens(options);
  xuncha::bench::Seeder seeder(options);
  seeder.Run();
  return 0;
}
