// Times the talent-pool draw the issue asks about: 30 groups of 5 from a 2,000-person pool in
// which every person carries recusal data (posts, relatives, employer, other assignments).
// Prints the figure; it asserts nothing (timings belong in tests/bench/RESULTS.md, not tests).
#include <chrono>
#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "domain.h"

using namespace xuncha::planning;

int main() {
  std::mt19937_64 rng(2025);
  const std::vector<std::string> tags = {"纪检", "组织", "审计", "财务", "法律", "巡察"};
  auto unit = [&] {
    return absl::StrCat("u1.u", 2 + rng() % 10, ".u", 100 + rng() % 60, ".u", 1000 + rng() % 5);
  };
  DrawInput in;
  in.seed = 20250303;
  in.recusal_years = 5;
  in.round_id = "bench-round";
  in.round_start = absl::CivilDay(2025, 3, 3);
  in.round_end = absl::CivilDay(2025, 4, 30);
  for (int i = 0; i < 2000; ++i) {
    Candidate c;
    c.person_id = absl::StrCat("person-", 100000 + i);
    c.home_office_id = absl::StrCat("office-", rng() % 10);
    for (const auto& t : tags) {
      if (rng() % 3 == 0) c.expertise.push_back(t);
    }
    c.employer_unit_path = unit();
    c.employer_unit_id = c.employer_unit_path;
    for (int k = 0; k < 3; ++k) {
      DatedUnit post;
      post.unit_path = unit();
      post.unit_id = post.unit_path;
      post.start = absl::CivilDay(2008 + k * 5, 1, 1);
      post.end = absl::CivilDay(2012 + k * 5, 12, 31);
      c.posts.push_back(post);
    }
    for (int k = 0; k < 2; ++k) {
      DatedUnit rel;
      rel.unit_path = unit();
      rel.unit_id = rel.unit_path;
      c.relatives.push_back(rel);
    }
    if (rng() % 10 == 0) {
      c.assignments.push_back(
          {"g", "other", absl::CivilDay(2025, 4, 1), absl::CivilDay(2025, 5, 1)});
    }
    in.candidates.push_back(std::move(c));
  }
  for (int g = 0; g < 30; ++g) {
    DrawGroup group;
    group.group_id = absl::StrCat("group-", g);
    group.name = absl::StrCat("第", g + 1, "巡察组");
    for (int t = 0; t < 2; ++t) {
      const std::string path = absl::StrCat("u1.u", 2 + (g + t) % 10, ".u", 100 + (g * 2 + t) % 60);
      group.targets.push_back({path, path, path});
    }
    group.size = 5;
    group.needs = {{"纪检", 1}, {"财务", 1}};
    in.groups.push_back(std::move(group));
  }

  constexpr int kRuns = 20;
  double best = 1e9, total = 0;
  std::size_t excluded = 0;
  for (int run = 0; run < kRuns; ++run) {
    const auto start = std::chrono::steady_clock::now();
    auto out = RunDraw(in);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!out.ok()) {
      std::fprintf(stderr, "draw failed: %s\n", std::string(out.status().message()).c_str());
      return 1;
    }
    excluded = out->excluded.size();
    best = std::min(best, ms);
    total += ms;
  }
  std::printf(
      "planning draw: 30 groups x 5 from 2000 candidates (%zu exclusions logged): "
      "best %.2f ms, mean %.2f ms over %d runs\n",
      excluded, best, total / kRuns, kRuns);
  return 0;
}
