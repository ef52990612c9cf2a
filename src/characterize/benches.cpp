#include "characterize/bench.h"
#include "characterize/benches/drivers.h"

namespace cimchar::characterize {

const std::vector<BenchInfo>& Benches() {
  static const std::vector<BenchInfo> kBenches = {
      {"apath", "A_MULT rows + charge-sharing line: line voltage and energy per op vs fraction",
       benches::MakeApathBench},
      {"adc", "SAR ADC: comparator offset, transition levels, DNL/INL, energy per conversion",
       benches::MakeAdcBench},
      {"digital", "D_MULT NOR and full-adder cell: energy per evaluation vs input activity",
       benches::MakeDigitalBench},
      {"cell", "split-port 6T cell: read/hold static noise margin (butterfly), hold leakage",
       benches::MakeCellBench},
      {"dac", "activation DAC driving GBL: energy per code; LBL/LBLB precharge energy per row",
       benches::MakeDacBench},
  };
  return kBenches;
}

}  // namespace cimchar::characterize
