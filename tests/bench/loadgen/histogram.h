// Latency histogram for the load generator: log-linear buckets (64 sub-buckets per power of
// two, so any recorded value is reported within 1/64 ≈ 1.6 % above its true value) over
// microseconds. Fixed memory, O(1) record, mergeable across client threads — a sorted vector
// of every sample would grow with the run and cost a sort at the end.
#pragma once

#include <array>
#include <cstdint>

namespace xuncha::bench {

class LatencyHistogram {
 public:
  void Record(std::uint64_t micros);
  void Merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The smallest bucket upper bound at or below which `q` (0..1] of the samples lie, capped at
  // the exact maximum; 0 when empty.
  std::uint64_t Percentile(double q) const;

  // Exposed for tests: bucket index of a value and the largest value that bucket holds.
  static int BucketOf(std::uint64_t micros);
  static std::uint64_t UpperBound(int bucket);

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets
  static constexpr int kSub = 1 << kSubBits;
  // Values below kSub map 1:1; each further power of two gets kSub buckets; 2^40 µs is ~12 days.
  static constexpr int kBuckets = kSub * (40 - kSubBits + 1);
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace xuncha::bench
