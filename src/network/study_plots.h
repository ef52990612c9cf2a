#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "network/image_set.h"
#include "network/study.h"

// The figures of the network study (gnuplot through report/plots.h; PNG or SVG by the
// extension). Failures: as report::PlotXY and friends (UsageError for inconsistent input,
// Error naming the file when gnuplot fails). Thread-safety: one call per output file.

namespace cimchar::network {

// Paper Fig. 8 analogue: test accuracy (%) against TOPS/W (8b-normalized) for DCIM, HCIM at each
// B_D/A and OSA-HCIM at each loss-limit span.
void PlotAccuracyVsEfficiency(const Study& study, const std::filesystem::path& out);

// Paper Fig. 7(a) analogue: test image `index` of `images` beside the B_D/A of each output pixel
// of a layer (`map` from BoundaryMap: positions x column tiles; the column tile `column_tile` is
// drawn), `width` x `height` output positions.
void PlotLayerBoundaryMap(const ImageSet& images,
                          std::int64_t index,
                          const std::vector<int>& map,
                          int width,
                          int height,
                          int column_tiles,
                          int column_tile,
                          const std::string& title,
                          const std::filesystem::path& out);

// B_D/A use per layer of one OSA point: one stacked bar per layer, the share of its array passes
// at each B_D/A (paper Fig. 7(b) analogue).
void PlotBoundaryUsage(const StudyPoint& point, const std::filesystem::path& out);

}  // namespace cimchar::network
