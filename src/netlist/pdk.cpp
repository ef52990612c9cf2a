#include "netlist/pdk.h"

#include <algorithm>

#include "core/error.h"
#include "core/paths.h"
#include "netlist/library.h"

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
  const auto section = ReadLibrarySection(lib, corner);
  for (const auto& [kind, name] : {std::pair{"NMOS", pdk.nmos}, std::pair{"PMOS", pdk.pmos}}) {
    const std::string lower = spice::Lower(name);
    if (section->models.count(lower) == 0 && section->subcircuits.count(lower) == 0) {
      throw UsageError(std::string("the ") + kind + " '" + name + "' is neither a model nor a " +
                       "subcircuit of section '" + corner + "' of the model library '" +
                       lib.string() + "' (it defines: " + section->DefinedNames() +
                       "); set nmos and pmos to names it defines");
    }
  }
  b.SetText("models", ".lib \"" + lib.string() + "\" " + corner).MarkOptional("models");
  b.SetText("nmos", pdk.nmos).MarkOptional("nmos");
  b.SetText("pmos", pdk.pmos).MarkOptional("pmos");
}

}  // namespace cimchar::netlist
