#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace cimchar::mac {

// SplitMix64 step: a bijective mixer used to derive independent stream seeds from counters.
// Failures: none. Thread-safety: pure.
constexpr std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Seed of the stream (seed, a, b, c): depends only on these counters, never on thread or order.
// Failures: none. Thread-safety: pure.
constexpr std::uint64_t StreamSeed(std::uint64_t seed,
                                   std::uint64_t a,
                                   std::uint64_t b = 0,
                                   std::uint64_t c = 0) {
  return Mix64(Mix64(Mix64(Mix64(seed) ^ a) ^ b) ^ c);
}

// xoshiro256++ (Blackman and Vigna): fast, 256-bit state, seeded through SplitMix64.
// Thread-safety: one instance per thread.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9E3779B97F4A7C15ULL;
      s = Mix64(x);
    }
  }
  std::uint64_t Next() {
    const std::uint64_t result = std::rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0 (multiply-shift; bias below 2^-32 for n < 2^32).
  std::uint32_t Below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((Next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  // Standard normal by Box-Muller (exact; used for static draws, not in hot loops).
  double Normal();

 private:
  std::array<std::uint64_t, 4> s_{};
};

// Fast standard normals for per-conversion noise: a 2^14-entry inverse-CDF table at the bin
// midpoints, rescaled to unit variance; tails are cut at |z| ~ 3.9 (a probability of 1e-4 is
// moved inward), which is immaterial for noise powers. One 64-bit draw gives four values.
// Thread-safety: one instance per thread; the shared table is immutable after first use.
class FastNormal {
 public:
  explicit FastNormal(Rng& rng) : rng_(&rng) {}
  double Next() {
    if (left_ == 0) {
      bits_ = rng_->Next();
      left_ = 4;
    }
    const auto index = static_cast<std::uint32_t>(bits_ >> 50);
    bits_ <<= 16;
    --left_;
    return Table()[index];
  }
  static constexpr int kTableBits = 14;
  static const std::array<float, 1u << kTableBits>& Table();

 private:
  Rng* rng_;
  std::uint64_t bits_ = 0;
  int left_ = 0;
};

}  // namespace cimchar::mac
