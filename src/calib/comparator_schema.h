#pragma once

// Quantity names of the comparator readout's tables (characterization/comparator.ini, written by
// src/characterize/benches/comparator.cpp, read by calib/read.cpp).

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

}  // namespace cimchar::calib::schema
