#include "report/plots.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <tuple>
#include <utility>

#include <gnuplot-iostream.h>

#include "core/error.h"
#include "report/atomic_file.h"

namespace cimchar::report {

namespace {

namespace fs = std::filesystem;

struct Size {
  int width;
  int height;
};
constexpr Size kDefaultSize{900, 560};
constexpr Size kWideSize{1200, 520};
constexpr int kMaxHistogramBins = 200;

// gnuplot single-quoted string: no escapes except '' for a quote; one line.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool HavePngCairo() {
  static std::once_flag once;
  static bool have = false;
  std::call_once(once, [] {
    FILE* pipe = ::popen("gnuplot -e 'set terminal' 2>&1", "r");
    if (pipe == nullptr) {
      return;
    }
    std::string text;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
      text.append(buffer, n);
    }
    ::pclose(pipe);
    have = text.find("pngcairo") != std::string::npos;
  });
  return have;
}

std::string TerminalFor(const fs::path& out, Size size) {
  const std::string ext = out.extension().string();
  const std::string dims =
      " size " + std::to_string(size.width) + "," + std::to_string(size.height);
  if (ext == ".png") {
    return (HavePngCairo() ? "set terminal pngcairo" : "set terminal png") + dims +
           " noenhanced background rgb 'white'";
  }
  if (ext == ".svg") {
    return "set terminal svg" + dims + " noenhanced background rgb 'white'";
  }
  throw UsageError("cannot draw " + out.string() + ": unknown plot format \"" + ext +
                   "\" (use .png or .svg)");
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `gnuplot script`, stdout discarded, stderr captured; throws naming `plot` on failure.
void RunGnuplot(const fs::path& script, const fs::path& plot) {
  fs::path err_path = script;
  err_path += ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string program = "gnuplot";
  std::string script_arg = script.string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawn_rc = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_rc != 0) {
    std::error_code ignored;
    fs::remove(err_path, ignored);
    throw Error("cannot start gnuplot to draw " + plot.string() + ": " + std::strerror(spawn_rc) +
                " (install gnuplot-nox)");
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error("lost the gnuplot process drawing " + plot.string() + ": " +
                  std::strerror(errno));
    }
  }
  const std::string messages = ReadAll(err_path);
  std::error_code ignored;
  fs::remove(err_path, ignored);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error("gnuplot failed to draw " + plot.string() + ": " +
                (messages.empty() ? std::string("no message") : messages));
  }
}

// One figure: a gnuplot script written through gnuplot-iostream into a temporary file, run
// by Render() into a temporary plot file that is then renamed onto the destination.
class Figure {
 public:
  Figure(const fs::path& out, Size size) : out_(out) {
    const std::string terminal = TerminalFor(out, size);
    const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
      throw Error("cannot draw " + out.string() + ": the folder " + folder.string() +
                  " does not exist");
    }
    temporary_ = TemporarySibling(out);
    temporary_ += out.extension();
    script_ = fs::temp_directory_path() / TemporarySibling(out).filename();
    script_ += ".gp";
    gp_ = std::make_unique<Gnuplot>(">" + script_.string());
    *gp_ << terminal << "\n";
    *gp_ << "set encoding utf8\n";
    *gp_ << "set output " << Quote(temporary_.string()) << "\n";
  }
  ~Figure() {
    gp_.reset();
    std::error_code ignored;
    fs::remove(script_, ignored);
    fs::remove(temporary_, ignored);
  }
  Figure(const Figure&) = delete;
  Figure& operator=(const Figure&) = delete;

  Gnuplot& gp() { return *gp_; }

  void Render() {
    *gp_ << "unset output\n";
    gp_->flush();
    gp_.reset();  // closes the script file
    RunGnuplot(script_, out_);
    std::error_code ec;
    if (!fs::exists(temporary_, ec) || fs::file_size(temporary_, ec) == 0) {
      throw Error("gnuplot produced no image for " + out_.string());
    }
    CommitTemporary(temporary_, out_);
  }

 private:
  fs::path out_;
  fs::path temporary_;
  fs::path script_;
  std::unique_ptr<Gnuplot> gp_;
};

void CheckSeries(const Series& s, const std::string& where) {
  if (s.x.empty() || s.x.size() != s.y.size()) {
    throw UsageError("cannot plot series \"" + s.name + "\" of " + where + ": it has " +
                     std::to_string(s.x.size()) + " x and " + std::to_string(s.y.size()) +
                     " y values (need the same non-zero number)");
  }
}

std::vector<std::pair<double, double>> Points(const Series& s) {
  std::vector<std::pair<double, double>> points;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    points.emplace_back(s.x[i], s.y[i]);
  }
  return points;
}

// The SI prefix that shows `magnitude` with one to three integer digits.
std::pair<double, std::string> SiPrefix(double magnitude) {
  static const std::pair<double, const char*> kPrefixes[] = {
      {1e-18, "a"}, {1e-15, "f"}, {1e-12, "p"}, {1e-9, "n"}, {1e-6, "u"}, {1e-3, "m"}, {1.0, ""}};
  std::pair<double, std::string> chosen = {1e-18, "a"};
  for (const auto& [factor, prefix] : kPrefixes) {
    if (magnitude >= factor) {
      chosen = {factor, prefix};
    }
  }
  return chosen;
}

// Every series of a figure looks different: series i takes colour i of kSeriesColours (the first
// eight are gnuplot's own default colours); past them the colours repeat, each round with its own
// dash type (lines) or fill pattern (bars, boxes), so the first 12 x 6 series of a figure are all
// distinct.
constexpr std::array<const char*, 12> kSeriesColours = {"#9400d3", "#009e73", "#56b4e9", "#e69f00",
                                                        "#f0e442", "#0072b2", "#e51e10", "#000000",
                                                        "#cc79a7", "#8b4513", "#999999", "#6b8e23"};
// Per round after the first: gnuplot's dash types (dashed, dotted, dash-dot, dash-dot-dot, and
// long dashes) and fill patterns (diagonal, back-diagonal, cross-hatch, sparse diagonal, sparse
// back-diagonal).
constexpr std::array<const char*, 5> kRepeatDashes = {"2", "3", "4", "5", "(20,6)"};
constexpr std::array<int, 5> kRepeatPatterns = {4, 5, 1, 6, 7};

std::string Colour(std::size_t series) {
  return std::string("lc rgb '") + kSeriesColours[series % kSeriesColours.size()] + "'";
}

// The round of colours `series` is in, 0 for the first.
std::size_t Round(std::size_t series) { return series / kSeriesColours.size(); }

// A line's colour and, past the first round of colours, its dash type.
std::string LineStyle(std::size_t series) {
  const std::size_t round = Round(series);
  return round == 0 ? Colour(series)
                    : Colour(series) + " dt " + kRepeatDashes[(round - 1) % kRepeatDashes.size()];
}

// A filled area's colour and, past the first round of colours, a fill pattern (`transparent`
// for figures whose areas overlap) instead of the figure's solid fill.
std::string FillStyle(std::size_t series, bool transparent) {
  const std::size_t round = Round(series);
  if (round == 0) {
    return Colour(series);
  }
  return Colour(series) + " fs " + (transparent ? "transparent " : "") + "pattern " +
         std::to_string(kRepeatPatterns[(round - 1) % kRepeatPatterns.size()]) + " border -1";
}

std::string Short(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

}  // namespace

void PlotXY(const XyPlot& plot, const fs::path& out) {
  if (plot.y1.empty() && plot.y2.empty()) {
    throw UsageError("cannot draw " + out.string() + ": no series to plot");
  }
  for (const auto& s : plot.y1) {
    CheckSeries(s, out.string());
  }
  for (const auto& s : plot.y2) {
    CheckSeries(s, out.string());
  }
  Figure figure(out, kDefaultSize);
  Gnuplot& gp = figure.gp();
  gp << "set title " << Quote(plot.title) << "\n";
  gp << "set xlabel " << Quote(plot.x_label) << "\n";
  gp << "set ylabel " << Quote(plot.y_label) << "\n";
  gp << "set grid\nset key outside top center horizontal box\n";
  if (!plot.y2.empty()) {
    gp << "set y2label " << Quote(plot.y2_label) << "\nset ytics nomirror\nset y2tics\n";
  }
  gp << "plot ";
  bool first = true;
  std::size_t series = 0;
  auto add = [&](const Series& s, const char* axes, int point_type) {
    gp << (first ? "" : ", ") << "'-' using 1:2 axes " << axes << " with linespoints "
       << LineStyle(series++) << " lw 2 pt " << point_type << " ps 1.2 title " << Quote(s.name);
    first = false;
  };
  for (const auto& s : plot.y1) {
    add(s, "x1y1", 7);
  }
  for (const auto& s : plot.y2) {
    add(Series{s.name + " (right axis)", {}, {}}, "x1y2", 5);
  }
  gp << "\n";
  for (const auto& s : plot.y1) {
    gp.send1d(Points(s));
  }
  for (const auto& s : plot.y2) {
    gp.send1d(Points(s));
  }
  figure.Render();
}

void PlotSnrEnergy(const SnrEnergyPlot& plot, const fs::path& out) {
  const std::size_t n = plot.b_da.size();
  if (n == 0 || plot.snr_db.size() != n || plot.energy_per_mac_j.size() != n ||
      (!plot.snr_offset_removed_db.empty() && plot.snr_offset_removed_db.size() != n)) {
    throw UsageError("cannot draw " + out.string() +
                     ": b_da, snr_db, energy_per_mac_j (and snr_offset_removed_db when given) "
                     "need the same non-zero length");
  }
  double max_energy = 0.0;
  for (const double e : plot.energy_per_mac_j) {
    if (std::isfinite(e)) {
      max_energy = std::max(max_energy, std::abs(e));
    }
  }
  const auto [factor, prefix] = SiPrefix(max_energy);
  XyPlot xy;
  xy.title = plot.title;
  xy.x_label = "B_D/A (digital/analog boundary, output order k)";
  xy.y_label = "SNR (dB)";
  xy.y2_label = "energy per MAC (" + prefix + "J)";
  xy.y1.push_back({"SNR", plot.b_da, plot.snr_db});
  if (!plot.snr_offset_removed_db.empty()) {
    xy.y1.push_back({"SNR, offset removed", plot.b_da, plot.snr_offset_removed_db});
  }
  Series energy{"energy per MAC", plot.b_da, {}};
  for (const double e : plot.energy_per_mac_j) {
    energy.y.push_back(e / factor);
  }
  xy.y2.push_back(std::move(energy));
  PlotXY(xy, out);
}

void PlotHistogram(const HistogramPlot& plot, const fs::path& out) {
  std::vector<std::vector<double>> sets;
  for (const auto& set : plot.sets) {
    std::vector<double> scaled;
    for (const double v : set.samples) {
      if (std::isfinite(v)) {
        scaled.push_back(v * plot.x_scale);
      }
    }
    if (scaled.empty()) {
      throw UsageError("cannot draw " + out.string() + ": sample set \"" + set.name +
                       "\" has no finite samples");
    }
    sets.push_back(std::move(scaled));
  }
  if (sets.empty()) {
    throw UsageError("cannot draw " + out.string() + ": no sample sets");
  }
  // Each set gets its own bins (Freedman–Diaconis on that set unless `bins` is given), so
  // narrow distributions far apart (e.g. the transition levels) each show their shape.
  struct Binned {
    std::vector<std::tuple<double, double, double>> boxes;  // centre, count, width
    double mean = 0.0;
    double sigma = 0.0;
  };
  std::vector<Binned> binned;
  for (auto& set : sets) {
    std::sort(set.begin(), set.end());
    const double n = static_cast<double>(set.size());
    const double low = set.front();
    const double high = set.back();
    int bins = plot.bins;
    if (bins <= 0) {
      const double iqr = set[static_cast<std::size_t>(0.75 * (n - 1))] -
                         set[static_cast<std::size_t>(0.25 * (n - 1))];
      const double fd_width = 2.0 * iqr / std::cbrt(n);
      bins = fd_width > 0.0 ? static_cast<int>(std::ceil((high - low) / fd_width))
                            : static_cast<int>(std::ceil(std::sqrt(n)));
    }
    bins = std::clamp(bins, 1, kMaxHistogramBins);
    const double span = high > low ? high - low : std::max(std::abs(low), 1.0) * 1e-6;
    const double width = span / bins;
    std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
    Binned b;
    for (const double v : set) {
      const int k = std::clamp(static_cast<int>((v - low) / width), 0, bins - 1);
      counts[static_cast<std::size_t>(k)] += 1.0;
      b.mean += v;
    }
    b.mean /= n;
    for (const double v : set) {
      b.sigma += (v - b.mean) * (v - b.mean);
    }
    b.sigma = set.size() > 1 ? std::sqrt(b.sigma / (n - 1.0)) : 0.0;
    for (int k = 0; k < bins; ++k) {
      b.boxes.emplace_back(low + (k + 0.5) * width, counts[static_cast<std::size_t>(k)], width);
    }
    binned.push_back(std::move(b));
  }

  Figure figure(out, kDefaultSize);
  Gnuplot& gp = figure.gp();
  gp << "set title " << Quote(plot.title) << "\n";
  gp << "set xlabel " << Quote(plot.x_label) << "\n";
  gp << "set ylabel 'count (samples per bin)'\n";
  gp << "set grid\nset key outside top center horizontal box\nset yrange [0:*]\n";
  gp << "set style fill transparent solid 0.5 border -1\n";
  gp << "plot ";
  for (std::size_t s = 0; s < binned.size(); ++s) {
    // mean and sigma are in the x axis's (scaled) units, so a "[V]" in the set's name goes.
    std::string name = plot.sets[s].name;
    if (const auto bracket = name.rfind(" ["); bracket != std::string::npos && name.back() == ']') {
      name.erase(bracket);
    }
    const std::string title = name + " (n=" + std::to_string(sets[s].size()) +
                              ", mean=" + Short(binned[s].mean) +
                              ", sigma=" + Short(binned[s].sigma) + ")";
    gp << (s == 0 ? "" : ", ") << "'-' using 1:2:3 with boxes " << FillStyle(s, true) << " title "
       << Quote(title);
  }
  gp << "\n";
  for (const auto& b : binned) {
    gp.send1d(b.boxes);
  }
  figure.Render();
}

void PlotDnlInl(const DnlInlPlot& plot, const fs::path& out) {
  XyPlot xy;
  xy.title = plot.title;
  xy.x_label = "output code";
  xy.y_label = "error (LSB)";
  if (!plot.dnl_lsb.empty()) {
    xy.y1.push_back({"DNL", plot.codes, plot.dnl_lsb});
  }
  if (!plot.inl_lsb.empty()) {
    xy.y1.push_back({"INL", plot.codes, plot.inl_lsb});
  }
  PlotXY(xy, out);
}

void PlotStackedBars(const StackedBarPlot& plot, const fs::path& out) {
  if (plot.categories.empty() || plot.blocks.empty()) {
    throw UsageError("cannot draw " + out.string() + ": need categories and blocks");
  }
  for (const auto& b : plot.blocks) {
    if (b.values.size() != plot.categories.size()) {
      throw UsageError("cannot draw " + out.string() + ": block \"" + b.name + "\" has " +
                       std::to_string(b.values.size()) + " values for " +
                       std::to_string(plot.categories.size()) + " categories");
    }
  }
  Figure figure(out, kDefaultSize);
  Gnuplot& gp = figure.gp();
  gp << "set title " << Quote(plot.title) << "\n";
  gp << "set ylabel " << Quote(plot.y_label) << "\n";
  gp << "set grid ytics\nset key outside right top box\n";
  gp << "set style data histograms\nset style histogram rowstacked\n";
  gp << "set style fill solid 0.85 border -1\nset boxwidth 0.6 relative\nset yrange [0:*]\n";
  gp << "set xtics (";
  for (std::size_t c = 0; c < plot.categories.size(); ++c) {
    gp << (c == 0 ? "" : ", ") << Quote(plot.categories[c]) << " " << c;
  }
  gp << ")\nset xrange [-0.6:" << plot.categories.size() - 0.4 << "]\n";
  gp << "plot ";
  for (std::size_t b = 0; b < plot.blocks.size(); ++b) {
    gp << (b == 0 ? "" : ", ") << "'-' using 1 " << FillStyle(b, false) << " title "
       << Quote(plot.blocks[b].name);
  }
  gp << "\n";
  for (const auto& b : plot.blocks) {
    gp.send1d(b.values);
  }
  figure.Render();
}

void PlotBdaMap(const BdaMapPlot& plot, const fs::path& out) {
  const GreyImage& image = plot.image;
  const IntMap& map = plot.map;
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    throw UsageError("cannot draw " + out.string() + ": the image has inconsistent size");
  }
  if (map.width <= 0 || map.height <= 0 ||
      map.values.size() != static_cast<std::size_t>(map.width) * map.height) {
    throw UsageError("cannot draw " + out.string() + ": the B_D/A map has inconsistent size");
  }
  const auto [min_it, max_it] = std::minmax_element(map.values.begin(), map.values.end());
  const int low = *min_it;
  const int high = *max_it;

  Figure figure(out, kWideSize);
  Gnuplot& gp = figure.gp();
  gp << "set multiplot layout 1,2 title " << Quote(plot.title) << "\n";
  gp << "unset key\nset size ratio -1\n";
  gp << "set xrange [-0.5:" << image.width - 0.5 << "]\n";
  gp << "set yrange [" << image.height - 0.5 << ":-0.5]\n";
  gp << "set xlabel 'x (pixel)'\nset ylabel 'y (pixel)'\n";
  // Left: the grey-scale input.
  gp << "set title " << Quote(plot.image_title) << "\n";
  gp << "set palette gray\nset cbrange [0:" << image.max_value << "]\nunset colorbox\n";
  gp << "plot '-' using 1:2:3 with image\n";
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      gp << x << " " << y << " " << image.At(x, y) << "\n";
    }
    gp << "\n";
  }
  gp << "e\n";
  // Right: the B_D/A map over the same extent, one colour per boundary.
  const double sx = static_cast<double>(image.width) / map.width;
  const double sy = static_cast<double>(image.height) / map.height;
  gp << "set title " << Quote(plot.map_label + " per output pixel") << "\n";
  gp << "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', "
        "4 '#fde725')\n";
  gp << "set palette maxcolors " << (high - low + 1) << "\n";
  gp << "set cbrange [" << low - 0.5 << ":" << high + 0.5 << "]\nset cbtics 1\n";
  gp << "set colorbox\nset cblabel " << Quote(plot.map_label) << "\n";
  gp << "plot '-' using 1:2:3 with image\n";
  for (int y = 0; y < map.height; ++y) {
    for (int x = 0; x < map.width; ++x) {
      gp << (x + 0.5) * sx - 0.5 << " " << (y + 0.5) * sy - 0.5 << " "
         << map.values[static_cast<std::size_t>(y) * map.width + x] << "\n";
    }
    gp << "\n";
  }
  gp << "e\nunset multiplot\n";
  figure.Render();
}

SnrEnergyPlot SnrEnergyFromCsv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error("cannot read " + path.string() + " (written by cimchar snr --out)");
  }
  const auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::stringstream text(line);
    for (std::string f; std::getline(text, f, ',');) {
      fields.push_back(f);
    }
    return fields;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) {
    col[header[i]] = i;
  }
  for (const char* need :
       {"mode", "boundary", "budget_row", "snr_db", "snr_offset_removed_db", "energy_per_mac_j"}) {
    if (col.count(need) == 0U) {
      throw UsageError(path.string() + " has no column " + need +
                       ": is it the CSV of cimchar snr --out?");
    }
  }
  const auto number = [&](const std::string& text, const char* column) {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      throw UsageError(path.string() + ": " + column + " holds '" + text + "', not a number");
    }
  };
  SnrEnergyPlot plot;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f.size() < header.size() || f[col["mode"]] != "hcim" || f[col["budget_row"]] != "all") {
      continue;
    }
    plot.b_da.push_back(number(f[col["boundary"]], "boundary"));
    plot.snr_db.push_back(number(f[col["snr_db"]], "snr_db"));
    plot.snr_offset_removed_db.push_back(
        number(f[col["snr_offset_removed_db"]], "snr_offset_removed_db"));
    plot.energy_per_mac_j.push_back(number(f[col["energy_per_mac_j"]], "energy_per_mac_j"));
  }
  if (plot.b_da.empty()) {
    throw UsageError(path.string() + " has no HCIM rows with budget_row = all");
  }
  return plot;
}

StackedBarPlot EnergyBreakdownPlot(const std::vector<mac::CompareRow>& rows) {
  constexpr double kPico = 1e12;
  StackedBarPlot plot{.title = "Energy per MAC by block", .y_label = "energy per MAC (pJ)"};
  for (const auto& row : rows) {
    plot.categories.push_back(row.name);
    const auto blocks = row.result.energy.Blocks();
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      if (plot.blocks.size() <= b) {
        plot.blocks.push_back({.name = blocks[b].first, .values = {}});
      }
      const double macs = static_cast<double>(row.result.counts.macs);
      plot.blocks[b].values.push_back(macs > 0 ? blocks[b].second / macs * kPico : 0.0);
    }
  }
  return plot;
}

SnrEnergyPlot SnrEnergyFromSweep(const std::vector<mac::SweepPoint>& points) {
  SnrEnergyPlot plot;
  for (const auto& p : points) {
    if (p.mode != mac::Mode::kHcim) {
      continue;
    }
    const mac::SnrResult& r = p.budget.front().result;  // "all": every error source on
    plot.b_da.push_back(p.boundary);
    plot.snr_db.push_back(r.snr_db);
    plot.snr_offset_removed_db.push_back(r.snr_offset_removed_db);
    plot.energy_per_mac_j.push_back(r.energy.per_mac_j);
  }
  return plot;
}

}  // namespace cimchar::report
