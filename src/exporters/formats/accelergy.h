#pragma once

#include <string>

#include "exporters/export_model.h"
#include "mac/energy.h"

namespace cimchar::exporters {

// An Accelergy action-count file (top key action_counts, version 0.4) for what the model counted
// in `counts`, naming the components of `model` ("<macro>.<component>"): with the ERT of the same
// model, Accelergy's energy estimate of it equals mac::ComputeEnergy of `counts`. Failures: none.
// Thread-safety: pure.
std::string AccelergyActionCounts(const mac::ActionCounts& counts, const ExportModel& model);

}  // namespace cimchar::exporters
