#pragma once

// What the CrossSim export shares with the readouts' models of their converter in CrossSim
// (exporters/readouts/*.cpp): the model's transitions in CrossSim's ADC units and how often a
// CrossSim converter's code differs from the model's. Internal to src/exporters.

#include <cstdint>
#include <vector>

#include "exporters/export_model.h"

namespace cimchar::exporters::formats {

// The model's transitions in CrossSim's ADC units (y = u / (2^n - 1)).
std::vector<double> CrossSimTransitions(const ExportModel& model);

// Fraction of the counts 0 .. full scale whose code under `code_of(y)` differs from the model's
// noiseless code.
template <typename CodeOf>
double RampMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  const auto& codes = model.op.codes_by_count;
  std::int64_t differ = 0;
  for (std::size_t u = 0; u < codes.size(); ++u) {
    differ += code_of(static_cast<double>(u) / digit_top) != codes[u] ? 1 : 0;
  }
  return static_cast<double>(differ) / static_cast<double>(codes.size());
}

// The same over the model's noiseless random patterns.
template <typename CodeOf>
double PatternMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::int64_t differ = 0;
  for (const auto& [u, code] : model.noiseless_patterns) {
    differ += code_of(static_cast<double>(u) / digit_top) != code ? 1 : 0;
  }
  return model.noiseless_patterns.empty()
             ? 0.0
             : static_cast<double>(differ) / static_cast<double>(model.noiseless_patterns.size());
}

}  // namespace cimchar::exporters::formats
