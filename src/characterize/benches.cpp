#include "characterize/bench.h"
#include "characterize/benches/drivers.h"

namespace cimchar::characterize {

const std::vector<BenchInfo>& Benches() {
  static const std::vector<BenchInfo> kBenches = {
      {"apath",
       "analog chain of one column (cells, DACs, A_MULT, line): line voltage and energy per DAC "
       "code",
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
      {"comparator",
       "ADC-less column readout: binary or ternary StrongARM comparators at reference levels "
       "(offset, noise, energy per decision, reference ladder, kickback on the line)",
       benches::MakeComparatorBench},
      {"column",
       "one column end to end (cells, DACs, A_MULT, line, SAR ADC): codes per input "
       "vector per die, for cimchar validate",
       benches::MakeColumnBench},
  };
  return kBenches;
}

}  // namespace cimchar::characterize
