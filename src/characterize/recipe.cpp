#include "characterize/recipe.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>

#include "core/error.h"
#include "netlist/template.h"

namespace cimchar::characterize {
namespace po = boost::program_options;
namespace fs = std::filesystem;

po::options_description RecipeOptions() {
  po::options_description d("Recipe keys (in the file, or --key=value on the command line)");
  auto s = [] { return po::value<std::string>(); };
  d.add_options()  //
      ("bench", s(),
       "bench driver: adc, apath, adder_tree, digital, cell, dac (see cimchar benches)")  //
      ("title", s(), "free text describing the table")                                    //
      ("models", s(),
       "model library file (.lib with corner sections); default "
       "models/ptm65.lib from the project's netlists/")                                       //
      ("pdk_corners", s(), "every corner section the model library has (e.g. \"tt ff ss\")")  //
      ("nmos", s(), "NMOS model or subcircuit name in the library")                           //
      ("pmos", s(), "PMOS model or subcircuit name in the library")                           //
      ("netlists", s(), "your own netlist folder(s), searched before the project's")          //
      ("corners", s(), "corners to sweep (names from pdk_corners)")                           //
      ("vdd", s(), "supply voltages to sweep, V (e.g. \"0.6, 0.8, 1.0\")")                    //
      ("temp", s(), "temperatures to sweep, degC")                                            //
      ("samples", s(), "Monte Carlo samples (dies) per grid point, >= 1")                     //
      ("seed", s(), "master seed; sample i's deviations depend only on it, i, device")        //
      ("timeout", s(), "wall-time limit of one sample, s")                                    //
      ("spice_options", s(),
       "ngspice options set before every analysis (default \"bypass=1\": devices whose "
       "terminal voltages did not change are not re-evaluated; \"\" for none)")          //
      ("mismatch.avt", s(), "Pelgrom A_VT of a device pair, V*um (default 3.5e-3)")      //
      ("mismatch.abeta", s(), "Pelgrom A_beta of a device pair, 1*um (default 1.5e-2)")  //
      ("mismatch.cap", s(), "capacitor sigma(C)/C at 1 fF (default 0.0066)")             //
      ("mismatch.scale", s(), "multiplies every mismatch sigma; 0 turns mismatch off");
  return d;
}

std::vector<std::string> ParseWordList(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!word.empty()) {
        out.push_back(word);
      }
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

namespace {

double ParseNumber(const std::string& key, const std::string& word) {
  double v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size() || !std::isfinite(v)) {
    throw UsageError("recipe key '" + key + "': '" + word + "' is not a number");
  }
  return v;
}

}  // namespace

std::vector<double> ParseNumberList(const std::string& key, const std::string& text) {
  std::vector<double> out;
  for (const auto& w : ParseWordList(text)) {
    out.push_back(ParseNumber(key, w));
  }
  if (out.empty()) {
    throw UsageError("recipe key '" + key + "' needs at least one value");
  }
  return out;
}

namespace {

std::map<std::string, std::string> ParseConfig(std::istream& in, const std::string& where) {
  po::options_description none;
  po::parsed_options parsed(nullptr);
  try {
    parsed = po::parse_config_file(in, none, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    throw UsageError(where + ": " + e.what());
  }
  std::map<std::string, std::string> out;
  for (const auto& opt : parsed.options) {
    out[opt.string_key] = opt.value.empty() ? "" : opt.value.front();
  }
  return out;
}

std::map<std::string, std::string> ReadConfig(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw UsageError("cannot read recipe '" + file.string() + "'");
  }
  return ParseConfig(in, "recipe '" + file.string() + "'");
}

template <typename T>
T CheckedInteger(const std::string& key, const std::string& text) {
  const double v = ParseNumber(key, text);
  if (v != static_cast<double>(static_cast<long long>(v))) {
    throw UsageError("recipe key '" + key + "': '" + text + "' is not a whole number");
  }
  return static_cast<T>(v);
}

}  // namespace

namespace {

// The recipe from its raw keys: `where` names it in errors, relative netlist folders are
// resolved against `base_dir` and must exist when `check_folders`.
Recipe BuildRecipe(const std::map<std::string, std::string>& raw,
                   const std::string& profile,
                   const std::map<std::string, std::string>& overrides,
                   const std::string& where,
                   const fs::path& base_dir,
                   bool check_folders) {
  std::map<std::string, std::string> eff;
  std::vector<std::string> profiles;
  for (const auto& [k, v] : raw) {
    if (k.rfind("profile.", 0) == 0) {
      std::string rest = k.substr(8);
      std::string name = rest.substr(0, rest.find('.'));
      if (std::find(profiles.begin(), profiles.end(), name) == profiles.end()) {
        profiles.push_back(name);
      }
    } else {
      eff[k] = v;
    }
  }
  if (!profile.empty()) {
    if (std::find(profiles.begin(), profiles.end(), profile) == profiles.end()) {
      std::string known;
      for (const auto& p : profiles) {
        known += (known.empty() ? "" : ", ") + p;
      }
      throw UsageError(where + " has no profile '" + profile +
                       "' (it has: " + (known.empty() ? "none" : known) + ")");
    }
    const std::string prefix = "profile." + profile + ".";
    for (const auto& [k, v] : raw) {
      if (k.rfind(prefix, 0) == 0) {
        eff[k.substr(prefix.size())] = v;
      }
    }
  }
  for (const auto& [k, v] : overrides) {
    eff[k] = v;
  }

  Recipe r;
  r.profile = profile;
  if (eff.count("bench") == 0 || eff["bench"].empty()) {
    throw UsageError(where + " does not name a bench (key 'bench')");
  }
  r.bench = eff["bench"];
  const po::options_description known = RecipeOptions();
  for (const auto& [k, v] : eff) {
    if (known.find_nothrow(k, false) != nullptr) {
      continue;
    }
    if (k.rfind(r.bench + ".", 0) == 0) {
      r.bench_keys[k] = v;
      continue;
    }
    throw UsageError(where + ": unknown key '" + k + "' (see cimchar characterize --help)");
  }
  auto get = [&](const std::string& k) -> const std::string* {
    auto it = eff.find(k);
    return it == eff.end() ? nullptr : &it->second;
  };
  if (auto* v = get("title")) {
    r.title = *v;
  }
  if (auto* v = get("models")) {
    r.pdk.library = *v;
  }
  if (auto* v = get("pdk_corners")) {
    r.pdk.corners = ParseWordList(*v);
  }
  if (auto* v = get("nmos")) {
    r.pdk.nmos = *v;
  }
  if (auto* v = get("pmos")) {
    r.pdk.pmos = *v;
  }
  if (auto* v = get("netlists")) {
    for (const auto& w : ParseWordList(*v)) {
      fs::path p = w;
      if (p.is_relative()) {
        p = base_dir / p;
      }
      if (check_folders && !fs::is_directory(p)) {
        throw UsageError(where + ": netlist folder '" + p.string() + "' does not exist");
      }
      r.netlist_dirs.push_back(p);
    }
  }
  if (auto* v = get("corners")) {
    r.corners = ParseWordList(*v);
  }
  if (r.corners.empty()) {
    throw UsageError(where + ": key 'corners' needs at least one corner");
  }
  for (const auto& c : r.corners) {
    if (std::find(r.pdk.corners.begin(), r.pdk.corners.end(), c) == r.pdk.corners.end()) {
      std::string known;
      for (const auto& k : r.pdk.corners) {
        known += (known.empty() ? "" : ", ") + k;
      }
      throw UsageError(where + ": unknown corner '" + c + "' (the model library has: " + known +
                       ")");
    }
  }
  if (auto* v = get("vdd")) {
    r.vdd_v = ParseNumberList("vdd", *v);
  }
  for (double v : r.vdd_v) {
    if (!(v > 0.0) || v > 5.0) {
      throw UsageError(where + ": supply " + netlist::FormatNumber(v) +
                       " V is outside (0, 5] V (key 'vdd')");
    }
  }
  if (auto* v = get("temp")) {
    r.temp_c = ParseNumberList("temp", *v);
  }
  for (double t : r.temp_c) {
    if (t < -273.15 || t > 300) {
      throw UsageError(where + ": temperature " + netlist::FormatNumber(t) +
                       " degC is outside [-273.15, 300] (key 'temp')");
    }
  }
  if (auto* v = get("samples")) {
    r.samples = CheckedInteger<int>("samples", *v);
  }
  if (r.samples < 1) {
    throw UsageError(where + ": samples must be >= 1 (got " + std::to_string(r.samples) + ")");
  }
  if (auto* v = get("seed")) {
    const double s = ParseNumber("seed", *v);
    if (s < 0) {
      throw UsageError(where + ": seed must be >= 0");
    }
    r.seed = CheckedInteger<std::uint64_t>("seed", *v);
  }
  if (auto* v = get("timeout")) {
    r.timeout_s = ParseNumber("timeout", *v);
    if (!(r.timeout_s > 0)) {
      throw UsageError(where + ": timeout must be > 0 s");
    }
  }
  struct {
    const char* key;
    double* field;
  } mm[] = {{"mismatch.avt", &r.mismatch.avt_pair_v_um},
            {"mismatch.abeta", &r.mismatch.abeta_pair_um},
            {"mismatch.cap", &r.mismatch.cap_sigma_rel_at_1ff},
            {"mismatch.scale", &r.mismatch.scale}};
  for (auto& m : mm) {
    if (auto* v = get(m.key)) {
      *m.field = ParseNumber(m.key, *v);
      if (*m.field < 0) {
        throw UsageError(where + ": " + m.key + " must be >= 0");
      }
    }
  }
  if (eff.count("spice_options") == 0) {
    eff["spice_options"] = "bypass=1";  // stated in the provenance like any other key
  }
  r.spice_options = ParseWordList(eff["spice_options"]);
  r.effective = eff;
  return r;
}

}  // namespace

Recipe LoadRecipe(const fs::path& file,
                  const std::string& profile,
                  const std::map<std::string, std::string>& overrides) {
  return BuildRecipe(ReadConfig(file), profile, overrides, "recipe '" + file.string() + "'",
                     file.parent_path(), /*check_folders=*/true);
}

Recipe RecipeFromText(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  return BuildRecipe(ParseConfig(in, origin), "", {}, origin, {}, /*check_folders=*/false);
}

std::vector<std::string> OptionCommands(const Recipe& recipe) {
  std::vector<std::string> out;
  for (const auto& o : recipe.spice_options) {
    out.push_back("option " + o);
  }
  return out;
}

std::string RecipeText(const Recipe& recipe) {
  std::ostringstream out;
  out << "# effective recipe" << (recipe.profile.empty() ? "" : " (profile " + recipe.profile + ")")
      << "\n";
  for (const auto& [k, v] : recipe.effective) {
    out << k << " = " << v << "\n";
  }
  return out.str();
}

double BenchNumber(const Recipe& r, const std::string& key, double fallback) {
  auto it = r.bench_keys.find(r.bench + "." + key);
  return it == r.bench_keys.end() ? fallback : ParseNumber(it->first, it->second);
}

int BenchInt(const Recipe& r, const std::string& key, int fallback) {
  auto it = r.bench_keys.find(r.bench + "." + key);
  return it == r.bench_keys.end() ? fallback : CheckedInteger<int>(it->first, it->second);
}

std::vector<double> BenchNumbers(const Recipe& r,
                                 const std::string& key,
                                 const std::vector<double>& fallback) {
  auto it = r.bench_keys.find(r.bench + "." + key);
  return it == r.bench_keys.end() ? fallback : ParseNumberList(it->first, it->second);
}

}  // namespace cimchar::characterize
