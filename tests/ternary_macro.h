// The analytic macro (calib::AnalyticMacro: code_v(c) = c / 15 V over 144 rows) read out by two
// comparators (ternary) at 0.2 and 0.3 V without noise, each with a static offset sigma of
// `offset_sigma_v`: the readout tests' and the network tests' fitted readout.
#pragma once

#include "calib/macro.h"

namespace cimchar::testing {

inline calib::Macro AnalyticTernary(double offset_sigma_v = 0.0) {
  calib::Macro macro = calib::AnalyticMacro();
  macro.readout = "ternary";
  macro.comparator = {.threshold_v = {0.2, 0.3},
                      .threshold_static_sigma_v = {offset_sigma_v, offset_sigma_v},
                      .noise_sigma_v = 0.0,
                      .energy_decision_j = 20e-15,
                      .reference_energy_j = 1e-15,
                      .kickback_v = 0.0};
  return macro;
}

}  // namespace cimchar::testing
