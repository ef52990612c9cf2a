#pragma once

// The factories of the registered readouts (mac/readout.cpp lists them), one file each.

#include <memory>

#include "calib/macro.h"
#include "mac/readout.h"

namespace cimchar::mac::readouts {

// The column SAR ADC (calib::Macro::adc). Failures: none beyond ValidateMacro's.
std::unique_ptr<Readout> MakeSar(const calib::Macro& macro);
// The binary or ternary comparators (calib::Macro::comparator). Failures: none.
std::unique_ptr<Readout> MakeComparators(const calib::Macro& macro);

}  // namespace cimchar::mac::readouts
