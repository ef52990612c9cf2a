#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mac/compare.h"
#include "mac/sweep.h"
#include "report/image.h"

// Figures drawn by gnuplot in a child process. The output format follows the file extension:
// ".png" (pngcairo, or gnuplot's png terminal when cairo is missing) or ".svg". Each figure is
// drawn into a temporary file next to the destination and renamed into place, so a failed plot
// leaves no file. Every series of a figure (a line, a histogram's sample set, a bar's block) has
// its own colour; from the 13th on, colours repeat with a dash type or fill pattern of their own,
// so the first 72 series of a figure are all distinct. Every function:
//   failures: cimchar::UsageError for an unknown extension or inconsistent input (naming the
//             field); cimchar::Error naming the plot file when its folder does not exist or
//             gnuplot fails (with gnuplot's message);
//   ownership: reads its inputs, writes only `out`;
//   thread-safety: safe to call concurrently for different output files.

namespace cimchar::report {

// A named (x, y) series.
struct Series {
  std::string name;  // legend entry
  std::vector<double> x;
  std::vector<double> y;
};

// Lines with points on one or two y axes.
struct XyPlot {
  std::string title;
  std::string x_label;   // with units, e.g. "B_D/A (output order)"
  std::string y_label;   // left axis, with units
  std::string y2_label;  // right axis, with units ("" when y2 is empty)
  std::vector<Series> y1;
  std::vector<Series> y2;
};
void PlotXY(const XyPlot& plot, const std::filesystem::path& out);

// SNR and energy per MAC against the digital/analog boundary (the analogue of paper Fig. 4b).
struct SnrEnergyPlot {
  std::string title = "SNR and energy per MAC vs B_D/A";
  std::vector<double> b_da;                   // boundaries
  std::vector<double> snr_db;                 // SNR as DESIGN.md defines it, dB
  std::vector<double> snr_offset_removed_db;  // optional (empty = not shown), dB
  std::vector<double> energy_per_mac_j;       // joules per MAC (shown with an SI prefix)
};
void PlotSnrEnergy(const SnrEnergyPlot& plot, const std::filesystem::path& out);
// The HCIM points of a boundary sweep with every error source on (budget row "all").
// Failures: none. Thread-safety: pure.
SnrEnergyPlot SnrEnergyFromSweep(const std::vector<mac::SweepPoint>& points);
// The same from the CSV mac::WriteSweepCsv wrote (cimchar snr --out). Failures: Error naming the
// file when it cannot be read; UsageError naming it when it lacks a column the plot needs or an
// HCIM row with budget_row = all, or holds a value that is not a number. Thread-safety: pure.
SnrEnergyPlot SnrEnergyFromCsv(const std::filesystem::path& path);

// Monte Carlo histograms: one set of samples per legend entry, common bins.
struct SampleSet {
  std::string name;
  std::vector<double> samples;
};
struct HistogramPlot {
  std::string title;
  std::string x_label;   // with units, matching samples × x_scale
  double x_scale = 1.0;  // multiplies samples before binning (e.g. 1e3 for mV)
  int bins = 0;          // 0 = Freedman–Diaconis over all sets
  std::vector<SampleSet> sets;
};
void PlotHistogram(const HistogramPlot& plot, const std::filesystem::path& out);

// DNL and INL per ADC code.
struct DnlInlPlot {
  std::string title = "ADC DNL and INL";
  std::vector<double> codes;
  std::vector<double> dnl_lsb;
  std::vector<double> inl_lsb;
};
void PlotDnlInl(const DnlInlPlot& plot, const std::filesystem::path& out);

// Stacked bars: one bar per category (e.g. DCIM, HCIM, OSA-HCIM), one stack layer per block.
struct BarBlock {
  std::string name;            // e.g. "ADC"
  std::vector<double> values;  // one per category
};
struct StackedBarPlot {
  std::string title;
  std::string y_label;  // with units
  std::vector<std::string> categories;
  std::vector<BarBlock> blocks;
};
void PlotStackedBars(const StackedBarPlot& plot, const std::filesystem::path& out);
// Energy per MAC (pJ) by block, one bar per compared mode (paper Fig. 6). Failures: none.
// Thread-safety: pure.
StackedBarPlot EnergyBreakdownPlot(const std::vector<mac::CompareRow>& rows);

// An integer map (e.g. B_D/A per output pixel), row-major with row 0 at the top.
struct IntMap {
  int width = 0;
  int height = 0;
  std::vector<int> values;
};
// The grey-scale input beside the heat map of B_D/A (the analogue of paper Fig. 7a). The map may
// be smaller than the image (a strided layer): it is drawn over the same extent.
struct BdaMapPlot {
  std::string title = "B_D/A map";
  std::string image_title = "input (grey scale)";
  std::string map_label = "B_D/A";
  GreyImage image;
  IntMap map;
};
void PlotBdaMap(const BdaMapPlot& plot, const std::filesystem::path& out);

}  // namespace cimchar::report
