#include "characterize/bench.h"
#include "characterize/benches/drivers.h"

namespace cimchar::characterize {

const std::vector<BenchInfo>& Benches() {
  static const std::vector<BenchInfo> kBenches = {
      {"apath", "A_MULT rows + charge-sharing line: line voltage and energy per op vs fraction",
       benches::MakeApathBench},
      {"adc", "SAR ADC: comparator offset, transition levels, DNL/INL, energy per conversion",
       benches::MakeAdcBench},
      {"adder_tree", "a column's adder tree (popcount) with its register: energy vs inputs at 1",
       benches::MakeAdderTreeBench},
      {"digital",
       "accumulator, D_MULT, and one HCIMA row's precharge, word lines, GBLB driver, leakage",
       benches::MakeDigitalBench},
      {"cell", "split-port 6T cell: read/hold static noise margin (butterfly), hold leakage",
       benches::MakeCellBench},
      {"dac", "activation DAC driving GBL: energy and settling error per code",
       benches::MakeDacBench},
  };
  return kBenches;
}

}  // namespace cimchar::characterize
