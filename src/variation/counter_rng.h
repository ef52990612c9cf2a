#pragma once

#include <cstdint>
#include <string_view>

namespace cimchar::variation {

// Counter-based random numbers: every value is a pure function of (master seed, sample index,
// device key, stream), so a Monte Carlo sample draws the same deviations whichever worker,
// shard or resumed run computes it. Thread-safe (no state).

// A stable 64-bit key for a device name (FNV-1a; the same on every platform).
std::uint64_t DeviceKey(std::string_view name);

// 64 well-mixed bits for the given counter (SplitMix64 finaliser chained over the inputs).
std::uint64_t CounterBits(std::uint64_t master_seed,
                          std::uint64_t sample,
                          std::uint64_t device_key,
                          std::uint32_t stream);

// A uniform double in (0, 1) from the counter.
double CounterUniform(std::uint64_t master_seed,
                      std::uint64_t sample,
                      std::uint64_t device_key,
                      std::uint32_t stream);

// A standard normal deviate from the counter (Box-Muller on two counter uniforms).
double CounterNormal(std::uint64_t master_seed,
                     std::uint64_t sample,
                     std::uint64_t device_key,
                     std::uint32_t stream);

}  // namespace cimchar::variation
