#pragma once

// The comparator readouts' table contract (characterization/comparator.ini, written by
// src/characterize/benches/comparator.cpp, read by src/calib/readouts/comparator.cpp): quantity
// names and the bench parameter that says how many comparators a table characterizes. The bench
// records each quantity in the column named as the quantity after "comparator/" (schema::ColumnOf).
// Header-only, so the bench uses it without linking calib.

#include <span>
#include <string_view>

namespace cimchar::calib::schema {

inline constexpr std::string_view kComparatorThresholdLowV = "comparator/threshold_low_v";
inline constexpr std::string_view kComparatorThresholdHighV = "comparator/threshold_high_v";
inline constexpr std::string_view kComparatorThresholdMidV = "comparator/threshold_mid_v";
inline constexpr std::string_view kComparatorOffsetLowV = "comparator/offset_low_v";
inline constexpr std::string_view kComparatorOffsetHighV = "comparator/offset_high_v";
inline constexpr std::string_view kComparatorOffsetMidV = "comparator/offset_mid_v";
inline constexpr std::string_view kComparatorEnergyDecision = "comparator/energy_decision_j";
inline constexpr std::string_view kComparatorReferenceEnergy = "comparator/reference_energy_j";
inline constexpr std::string_view kComparatorKickbackV = "comparator/kickback_v";

// Comparators per column the table was made for (1: binary, 2: ternary).
inline constexpr std::string_view kComparatorComparatorsKey = "comparator.comparators";

// One comparator of the readout: its name and its threshold and offset quantities (V).
struct ComparatorLevel {
  std::string_view name;
  std::string_view threshold_v;
  std::string_view offset_v;
};
inline constexpr ComparatorLevel kBinaryLevels[] = {
    {"mid", kComparatorThresholdMidV, kComparatorOffsetMidV}};
inline constexpr ComparatorLevel kTernaryLevels[] = {
    {"low", kComparatorThresholdLowV, kComparatorOffsetLowV},
    {"high", kComparatorThresholdHighV, kComparatorOffsetHighV}};

// The comparators of a readout of `comparators` (1 or 2) comparators, thresholds increasing.
// Failures: none (any other count: the ternary's). Thread-safety: a constant.
constexpr std::span<const ComparatorLevel> ComparatorLevels(int comparators) {
  if (comparators == 1) {
    return kBinaryLevels;
  }
  return kTernaryLevels;
}

}  // namespace cimchar::calib::schema
