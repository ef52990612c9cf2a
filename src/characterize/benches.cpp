#include "characterize/bench.h"
#include "characterize/benches/drivers.h"

namespace cimchar::characterize {

const std::vector<BenchInfo>& Benches() {
  static const std::vector<BenchInfo> kBenches = {
      {"apath", "A_MULT rows + charge-sharing line: line voltage and energy per op vs fraction",
       benches::MakeApathBench},
      {"adc", "SAR ADC: comparator offset, transition levels, DNL/INL, energy per conversion",
       benches::MakeAdcBench},
  };
  return kBenches;
}

}  // namespace cimchar::characterize
