#pragma once

// The SAR ADC readout's table contract (characterization/adc.ini, written by
// src/characterize/benches/adc.cpp, read by src/calib/readouts/sar.cpp): its quantity names and
// the bench parameters the line's table must share with it. The grid and bench axes are in
// calib/schema.h. Header-only, so the bench uses it without linking calib.

#include <string_view>
#include <utility>

namespace cimchar::calib::schema {

inline constexpr std::string_view kAdcTransitionV = "adc/transition_v";  // V over code 1..2^b-1
inline constexpr std::string_view kAdcComparatorOffsetV = "adc/comparator_offset_v";  // V
// Quantities the benches write that the model does not read (characterization/README.md): the
// widest bracket of the comparator threshold's bisection, its memory (threshold after a 0 minus
// after a 1), INL and DNL, and each transition's shift after each previous code.
inline constexpr std::string_view kAdcComparatorBracketV = "adc/comparator_bracket_v";  // V
inline constexpr std::string_view kAdcComparatorMemoryV = "adc/comparator_memory_v";    // V
inline constexpr std::string_view kAdcEnergyConversion = "adc/energy_conversion_j";     // J
inline constexpr std::string_view kAdcInlLsb = "adc/inl_lsb";  // 1 (LSB) over code
inline constexpr std::string_view kAdcDnlLsb = "adc/dnl_lsb";  // 1 (LSB) over inner_code
inline constexpr std::string_view kAdcHistoryShiftV = "adc/history_shift_v";      // V
inline constexpr std::string_view kAdcHistoryShiftLsb = "adc/history_shift_lsb";  // 1 (LSB)
// Largest |shift| of a transition after any previous code (kickback, comparator memory), per
// die, in LSB; adc/history_shift_lsb holds every transition after every previous code.
inline constexpr std::string_view kAdcHistoryShiftMaxLsb = "adc/history_shift_max_lsb";  // 1
// The history shift (mean over dies of adc/history_shift_max_lsb) below which the model leaves
// it out (AdcTransfer::history_shift_lsb).
inline constexpr double kAdcHistoryNegligibleLsb = 0.1;

// The converter the line is loaded by (apath) and the one the adc table characterizes: each
// apath key must equal the adc key beside it.
inline constexpr std::pair<std::string_view, std::string_view> kLineAdcKeys[] = {
    {"apath.adc_bits", "adc.bits"},
    {"apath.adc_c_unit", "adc.c_unit"},
    {"apath.adc_vref", "adc.vref"},
    {"apath.adc_range_of_vref", "adc.range_of_vref"},
    {"apath.adc_vcm", "adc.vcm"}};

}  // namespace cimchar::calib::schema
