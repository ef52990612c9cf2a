#pragma once

// A characterized macro with the features the exports must carry (values chosen for the tests,
// not physics): the OSA-HCIM geometry, a line with a baseline and a compressive transfer, an ADC
// whose window starts above the baseline with uneven transitions, static and dynamic sigmas,
// and the analytic energies with a code-dependent analog op. No table file behind it.

#include <cmath>

#include "calib/macro.h"
#include "exporters/model_view.h"
#include "mac/options.h"

namespace cimchar::exporters::testing {

inline calib::Macro SyntheticMacro() {
  calib::Macro m = calib::AnalyticMacro();
  m.origin = "tables";
  calib::LineTransfer& l = m.line;
  l.baseline_v = 0.02;
  const int top = (1 << m.geometry.dac_bits) - 1;
  for (std::size_t i = 0; i < l.codes.size(); ++i) {
    const double x = static_cast<double>(l.codes[i]) / top;
    l.code_v[i] = l.baseline_v + 0.66 * x * (1.0 - 0.06 * x);
    l.code_static_sigma_v[i] = 0.0012 + 0.0004 * x;
    l.code_dynamic_sigma_v[i] = 0.0004;
    m.energy.op_code_j[i] = m.energy.op_baseline_j * (1.0 + 0.3 * x);
  }
  // Transition k near the line voltage of (k - 0.35) x 270 counts, with a little DNL.
  calib::AdcTransfer& a = m.adc;
  const double full = 144.0 * top;
  for (int k = 1; k <= 7; ++k) {
    const double x = ((k - 0.35) * 270.0 + 9.0 * ((k % 3) - 1)) / full;
    a.transition_v[static_cast<std::size_t>(k - 1)] = l.baseline_v + 0.66 * x * (1.0 - 0.06 * x);
    a.transition_static_sigma_v[static_cast<std::size_t>(k - 1)] = 0.003;
    a.transition_dynamic_sigma_v[static_cast<std::size_t>(k - 1)] = 0.0004;
  }
  a.comparator_offset_sigma_v = 0.0025;
  a.comparator_noise_sigma_v = 0.0004;
  m.sources.push_back({.role = "adc",
                       .file = "/tables/adc.h5",
                       .sha256 = "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface",
                       .recipe_text = "bench = adc\n",
                       .master_seed = 77,
                       .samples_per_point = 12,
                       .ngspice_version = "ngspice-39",
                       .cimchar_version = "0.1.0",
                       .cimchar_commit = "0123456789abcdef0123456789abcdef01234567-dirty",
                       .created_utc = "2026-01-01T00:00:00Z"});
  m.notes = {"synthetic macro of the export tests"};
  calib::ValidateMacro(m);
  return m;
}

inline mac::MacShape ShapeOf(const calib::Macro& m, bool signed_weights = false) {
  mac::MacShape s;
  static_cast<calib::Geometry&>(s) = m.geometry;
  s.signed_weights = signed_weights;
  return s;
}

// Small enough for the sanitizer build, large enough for the statistics the tests check.
inline ViewOptions TestViews() {
  return {
      .reference_boundary = 8, .reference_vectors = 32, .chips = 1024, .patterns = 24, .seed = 7};
}

}  // namespace cimchar::exporters::testing
