#include "variation/counter_rng.h"

#include <cmath>
#include <numbers>

namespace cimchar::variation {
namespace {

constexpr std::uint64_t Mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double ToUnitOpen(std::uint64_t bits) {
  // 53 random bits, shifted off zero: (k + 0.5) / 2^53 lies strictly inside (0, 1).
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace

std::uint64_t DeviceKey(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t CounterBits(std::uint64_t master_seed,
                          std::uint64_t sample,
                          std::uint64_t device_key,
                          std::uint32_t stream) {
  std::uint64_t h = Mix(master_seed);
  h = Mix(h ^ sample);
  h = Mix(h ^ device_key);
  return Mix(h ^ stream);
}

double CounterUniform(std::uint64_t master_seed,
                      std::uint64_t sample,
                      std::uint64_t device_key,
                      std::uint32_t stream) {
  return ToUnitOpen(CounterBits(master_seed, sample, device_key, stream));
}

double CounterNormal(std::uint64_t master_seed,
                     std::uint64_t sample,
                     std::uint64_t device_key,
                     std::uint32_t stream) {
  // Two sub-streams per stream: 2*stream and 2*stream+1.
  const double u1 = CounterUniform(master_seed, sample, device_key, 2 * stream);
  const double u2 = CounterUniform(master_seed, sample, device_key, 2 * stream + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace cimchar::variation
