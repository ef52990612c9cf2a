#include "mac/thresholds_file.h"

#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "core/error.h"

namespace cimchar::mac {

namespace {

constexpr const char* kKeys[] = {"candidates", "losses_limit", "nq_full_scale",
                                 "thresholds", "loss_reached", "met"};

template <typename T>
std::string Joined(const std::vector<T>& values) {
  std::ostringstream out;
  for (const T& v : values) {
    out << " " << v;
  }
  return out.str();
}

// The whitespace-separated values of `key` in `path` as numbers.
template <typename T>
std::vector<T> Numbers(const std::filesystem::path& path,
                       const std::string& key,
                       const std::string& text) {
  std::istringstream in(text);
  std::vector<T> out;
  std::string word;
  while (in >> word) {
    std::istringstream one(word);
    T v{};
    if (!(one >> v) || !one.eof()) {
      throw UsageError("'" + path.string() + "': " + key + " holds '" + word +
                       "', not a number (write the file with cimchar thresholds --out)");
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

std::string FormatThresholdsFile(const ThresholdsFile& file) {
  std::ostringstream text;
  text << "# " << file.description << "\n";
  text << "candidates =" << Joined(file.candidates);
  text << "\nlosses_limit =" << Joined(file.loss_limits);
  text << "\nnq_full_scale = " << file.nq_full_scale;
  text << "\nthresholds =" << Joined(file.found.thresholds);
  text << "\nloss_reached =" << Joined(file.found.losses);
  text << "\nmet =";
  for (bool m : file.found.met) {
    text << " " << (m ? "yes" : "no");
  }
  text << "\n";
  return text.str();
}

void WriteThresholdsFile(const std::filesystem::path& path, const ThresholdsFile& file) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw Error("cannot create the folder of '" + path.string() + "': " + ec.message());
    }
  }
  std::ofstream out(path);
  out << FormatThresholdsFile(file);
  if (!out) {
    throw Error("cannot write '" + path.string() + "'");
  }
}

ThresholdsFile ReadThresholdsFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error("cannot read the thresholds file '" + path.string() +
                "' (written by cimchar thresholds --out)");
  }
  ThresholdsFile file;
  std::map<std::string, std::string> values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) {
      continue;
    }
    if (line[0] == '#') {
      if (file.description.empty()) {
        file.description = line.substr(line.rfind("# ", 0) == 0 ? 2 : 1);
      }
      continue;
    }
    const std::size_t eq = line.find(" =");
    const std::string key = line.substr(0, eq);
    bool known = false;
    for (const char* k : kKeys) {
      known = known || key == k;
    }
    if (eq == std::string::npos || !known || values.count(key) != 0U) {
      throw UsageError("'" + path.string() + "' line " + std::to_string(number) + " ('" + line +
                       "') is not one of the keys of cimchar thresholds --out, once each");
    }
    values[key] = line.substr(eq + 2);
  }
  for (const char* need : {"candidates", "nq_full_scale", "thresholds"}) {
    if (values.count(need) == 0U) {
      throw UsageError("'" + path.string() + "' has no " + need +
                       " line (write the file with cimchar thresholds --out)");
    }
  }
  file.candidates = Numbers<int>(path, "candidates", values["candidates"]);
  file.loss_limits = Numbers<double>(path, "losses_limit", values["losses_limit"]);
  const auto nq = Numbers<int>(path, "nq_full_scale", values["nq_full_scale"]);
  if (nq.size() != 1) {
    throw UsageError("'" + path.string() + "': nq_full_scale needs one value");
  }
  file.nq_full_scale = nq.front();
  file.found.thresholds = Numbers<std::int64_t>(path, "thresholds", values["thresholds"]);
  file.found.losses = Numbers<double>(path, "loss_reached", values["loss_reached"]);
  std::istringstream met(values["met"]);
  for (std::string word; met >> word;) {
    if (word != "yes" && word != "no") {
      throw UsageError("'" + path.string() + "': met holds '" + word + "', not yes or no");
    }
    file.found.met.push_back(word == "yes");
  }
  if (file.found.thresholds.size() + 1 != file.candidates.size()) {
    throw UsageError("'" + path.string() + "' holds " +
                     std::to_string(file.found.thresholds.size()) + " thresholds for " +
                     std::to_string(file.candidates.size()) +
                     " candidates (one fewer than the candidates is needed)");
  }
  return file;
}

}  // namespace cimchar::mac
