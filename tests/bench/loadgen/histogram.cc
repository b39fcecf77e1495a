#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace xuncha::bench {

int LatencyHistogram::BucketOf(std::uint64_t micros) {
  if (micros < kSub) return static_cast<int>(micros);
  const int magnitude = 63 - std::countl_zero(micros);  // position of the top bit, ≥ kSubBits
  const int shift = magnitude - kSubBits;
  const int sub = static_cast<int>((micros >> shift) & (kSub - 1));
  const int index = kSub * (shift + 1) + sub;
  return std::min(index, kBuckets - 1);
}

std::uint64_t LatencyHistogram::UpperBound(int bucket) {
  if (bucket < kSub) return static_cast<std::uint64_t>(bucket);
  const int shift = bucket / kSub - 1;
  const std::uint64_t sub = static_cast<std::uint64_t>(bucket % kSub);
  // The bucket holds [ (kSub+sub) << shift, ((kSub+sub+1) << shift) - 1 ].
  return ((kSub + sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(std::uint64_t micros) {
  ++buckets_[static_cast<std::size_t>(BucketOf(micros))];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
  min_ = std::min(min_, micros);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

std::uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the sample at quantile q (1-based, nearest-rank definition).
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(UpperBound(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace xuncha::bench
