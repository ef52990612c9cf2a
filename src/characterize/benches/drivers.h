#pragma once

#include <memory>

#include "characterize/bench.h"

namespace cimchar::characterize::benches {

// The bench drivers (one file each). Each reads its `<bench>.*` recipe keys and throws
// cimchar::UsageError naming a key that is unknown or out of range.
std::unique_ptr<Bench> MakeApathBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeAdcBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeAdderTreeBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeDigitalBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeCellBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeDacBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeColumnBench(const Recipe& recipe);
std::unique_ptr<Bench> MakeComparatorBench(const Recipe& recipe);

}  // namespace cimchar::characterize::benches
