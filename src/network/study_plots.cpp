#include "network/study_plots.h"

#include "core/error.h"
#include "report/plots.h"

namespace cimchar::network {

void PlotAccuracyVsEfficiency(const Study& study, const std::filesystem::path& out) {
  report::XyPlot plot;
  plot.title = "Test accuracy vs energy efficiency (paper Fig. 8 analogue; mean over " +
               std::to_string(study.chips) + " chip" + (study.chips == 1 ? "" : "s") + ")";
  plot.x_label = "energy efficiency (TOPS/W, 8b x 8b normalized)";
  plot.y_label = "test accuracy (%)";
  report::Series dcim{"DCIM", {}, {}};
  report::Series hcim{"HCIM, B_D/A = 5..10 (right to left: more digital)", {}, {}};
  report::Series osa{"OSA-HCIM, loss limits from precise to coarse", {}, {}};
  for (const StudyPoint& p : study.points) {
    report::Series& s = p.mode == mac::Mode::kDcim ? dcim : p.mode == mac::Mode::kHcim ? hcim : osa;
    s.x.push_back(p.result.energy.tops_per_w_8b_norm);
    s.y.push_back(100.0 * p.Accuracy());
  }
  for (report::Series* s : {&dcim, &hcim, &osa}) {
    if (!s->x.empty()) {
      plot.y1.push_back(*s);
    }
  }
  report::PlotXY(plot, out);
}

void PlotLayerBoundaryMap(const ImageSet& images,
                          std::int64_t index,
                          const std::vector<int>& map,
                          int width,
                          int height,
                          int column_tiles,
                          int column_tile,
                          const std::string& title,
                          const std::filesystem::path& out) {
  if (index < 0 || index >= images.Count()) {
    throw UsageError("image " + std::to_string(index) + " is outside " + images.source);
  }
  if (map.size() != static_cast<std::size_t>(width) * height * column_tiles || column_tile < 0 ||
      column_tile >= column_tiles) {
    throw UsageError("B_D/A map of " + std::to_string(map.size()) + " values does not match " +
                     std::to_string(width) + "x" + std::to_string(height) + " positions x " +
                     std::to_string(column_tiles) + " column tiles");
  }
  report::BdaMapPlot plot;
  plot.title = title;
  plot.image_title = "input image (grey scale)";
  plot.map_label = "B_D/A";
  plot.image.width = images.width;
  plot.image.height = images.height;
  plot.image.max_value = 255;
  const std::uint8_t* px = images.Image(index);
  plot.image.pixels.assign(px, px + static_cast<std::size_t>(images.width) * images.height);
  plot.map.width = width;
  plot.map.height = height;
  for (int p = 0; p < width * height; ++p) {
    plot.map.values.push_back(map[static_cast<std::size_t>(p) * column_tiles + column_tile]);
  }
  report::PlotBdaMap(plot, out);
}

void PlotBoundaryUsage(const StudyPoint& point, const std::filesystem::path& out) {
  report::StackedBarPlot plot;
  plot.title = "B_D/A use per layer (L0: layer0), " + point.name + " (test set)";
  plot.y_label = "array passes (%)";
  const auto& layers = point.result.layer_counts;
  std::size_t max_b = 0;
  for (const auto& c : layers) {
    max_b = std::max(max_b, c.boundary_histogram.size());
  }
  for (std::size_t li = 0; li < layers.size(); ++li) {
    plot.categories.push_back("L" + std::to_string(li));  // short: deep networks have 20 bars
  }
  for (std::size_t b = 0; b < max_b; ++b) {
    report::BarBlock block{"B_D/A = " + std::to_string(b), {}};
    bool used = false;
    for (const auto& c : layers) {
      const double n =
          b < c.boundary_histogram.size() ? static_cast<double>(c.boundary_histogram[b]) : 0.0;
      used = used || n > 0;
      block.values.push_back(c.array_passes > 0 ? 100.0 * n / static_cast<double>(c.array_passes)
                                                : 0.0);
    }
    if (used) {
      plot.blocks.push_back(std::move(block));
    }
  }
  report::PlotStackedBars(plot, out);
}

}  // namespace cimchar::network
