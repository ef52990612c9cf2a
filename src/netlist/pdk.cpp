#include "netlist/pdk.h"

#include <algorithm>

#include "core/error.h"
#include "core/paths.h"

namespace cimchar::netlist {
namespace fs = std::filesystem;

void BindPdk(const Pdk& pdk, const std::string& corner, const SearchPath& search, Bindings& b) {
  if (std::find(pdk.corners.begin(), pdk.corners.end(), corner) == pdk.corners.end()) {
    std::string allowed;
    for (const auto& c : pdk.corners) {
      allowed += (allowed.empty() ? "" : ", ") + c;
    }
    throw UsageError("unknown corner '" + corner + "' for model library '" + pdk.library.string() +
                     "'; allowed: " + allowed);
  }
  fs::path lib = pdk.library;
  if (!lib.is_absolute()) {
    std::vector<fs::path> dirs = search.user_dirs;
    if (search.project_netlists) {
      dirs.push_back(core::NetlistsDir());
    }
    auto it = std::find_if(dirs.begin(), dirs.end(),
                           [&](const fs::path& d) { return fs::is_regular_file(d / lib); });
    if (it == dirs.end() && !fs::is_regular_file(lib)) {
      throw UsageError("model library '" + lib.string() + "' not found in the netlist folders");
    }
    lib = fs::absolute(it == dirs.end() ? lib : *it / lib).lexically_normal();
  } else if (!fs::is_regular_file(lib)) {
    throw UsageError("model library '" + lib.string() + "' does not exist");
  }
  b.SetText("models", ".lib \"" + lib.string() + "\" " + corner).MarkOptional("models");
  b.SetText("nmos", pdk.nmos).MarkOptional("nmos");
  b.SetText("pmos", pdk.pmos).MarkOptional("pmos");
}

}  // namespace cimchar::netlist
