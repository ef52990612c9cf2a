// The comparator readouts' reader (binary: one comparator, ternary: two): each comparator's
// threshold and offset, the noise per decision, the energies and the kickback from the binary or
// ternary table (calib/readouts/comparator_schema.h).

#include <algorithm>
#include <cmath>
#include <string>

#include "calib/lookup.h"
#include "calib/readouts/comparator_schema.h"
#include "calib/readouts/readers.h"
#include "core/error.h"

namespace cimchar::calib::readouts {

void ReadComparators(const lut::Store& store, const Request& request, Macro& m, int comparators) {
  const std::string file = store.path().string();
  const auto stated = Parameter(store, schema::kComparatorComparatorsKey);
  if (!stated || *stated != std::to_string(comparators)) {
    throw UsageError("'" + file + "' characterizes " + stated.value_or("an unknown number of") +
                     " comparator(s) per column, but the " + request.readout + " readout has " +
                     std::to_string(comparators) + ": characterize it with --" +
                     std::string(schema::kComparatorComparatorsKey) + "=" +
                     std::to_string(comparators));
  }
  const lut::Coordinates at = At(request.point);
  ComparatorReadout& c = m.comparator;
  c = {};
  double noise_sq = 0.0;
  for (const schema::ComparatorLevel& level : schema::ComparatorLevels(comparators)) {
    c.threshold_v.push_back(Scalar(store, level.threshold_v, "V", at));
    c.threshold_static_sigma_v.push_back(
        Look(store, Need(store, level.offset_v, lut::Statistic::kStaticSigma, Expect("V")), at));
    const lut::Table* dyn =
        Optional(store, level.offset_v, lut::Statistic::kDynamicSigma, Expect("V"));
    const double noise = LookOr(store, dyn, at, 0.0);
    noise_sq += noise * noise;
  }
  c.noise_sigma_v = std::sqrt(noise_sq / comparators);
  c.energy_decision_j = std::max(0.0, Scalar(store, schema::kComparatorEnergyDecision, "J", at));
  c.reference_energy_j = std::max(0.0, Scalar(store, schema::kComparatorReferenceEnergy, "J", at));
  c.kickback_v = Scalar(store, schema::kComparatorKickbackV, "V", at);
  m.energy.adc_conversion = {comparators * c.energy_decision_j + c.reference_energy_j,
                             "measured: " + std::to_string(comparators) + " x " +
                                 std::string(schema::kComparatorEnergyDecision) + " + " +
                                 std::string(schema::kComparatorReferenceEnergy) + " in " + file};
  std::string levels;
  for (std::size_t k = 0; k < c.threshold_v.size(); ++k) {
    levels += (k ? ", " : "") + Num(c.threshold_v[k] * 1e3) + " mV (offset sigma " +
              Num(c.threshold_static_sigma_v[k] * 1e3) + " mV)";
  }
  m.notes.push_back(request.readout + " readout: " + file + ", thresholds " + levels + ", noise " +
                    Num(c.noise_sigma_v * 1e3) + " mV per decision, " +
                    Num(c.energy_decision_j * 1e15) + " fJ per decision + " +
                    Num(c.reference_energy_j * 1e15) + " fJ reference per conversion, kickback " +
                    Num(c.kickback_v * 1e3) + " mV");
}

}  // namespace cimchar::calib::readouts
