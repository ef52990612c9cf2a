#pragma once

// The readouts' readers, one file each (calib/read.cpp lists them in its table of roles): each
// fills the macro's part of its readout from its table (names in
// calib/readouts/<readout>_schema.h). Internal to src/calib.

#include <map>
#include <string>

#include "calib/macro.h"
#include "calib/read.h"
#include "lut/store.h"

namespace cimchar::calib::readouts {

// The stores ReadMacro opened, by role.
using Stores = std::map<std::string, lut::Store>;

// The SAR ADC from the adc table: Macro::adc, geometry.adc_bits, the conversion energy and the
// notes. Failures: UsageError for --adc-lo/--adc-hi with a table, a 1-bit converter, an ADC
// resolution other than the one asked for; Error for a transition count that is not 2^b - 1 or a
// missing quantity (naming the file).
void ReadSar(const lut::Store& store, const Request& request, Macro& m);
// Without an adc table: the analytic converter, placed on the line when one was read.
// Failures: none.
void PlaceSarPlaceholder(const AnalyticOptions& analytic, Macro& m);
// After every role: the line's table and the adc table describe one converter (UsageError
// naming both files and the key that differs), and notes on codes the line cannot reach.
void CheckSar(const Stores& stores, Macro& m);

// The binary (`comparators` 1) or ternary (2) readout from its table: Macro::comparator, the
// conversion energy and a note. Failures: UsageError when the table was made for another number
// of comparators; Error for a missing quantity (naming the file).
void ReadComparators(const lut::Store& store, const Request& request, Macro& m, int comparators);

}  // namespace cimchar::calib::readouts
