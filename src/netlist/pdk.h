#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "netlist/template.h"

namespace cimchar::netlist {

// A process design kit as the netlists see it: a model library with corner sections and the
// names of its NMOS and PMOS devices, either MOSFET models (`M` instances, like the project's
// PTM cards) or subcircuits wrapping one (`X` instances, as open PDKs ship theirs; the renderer
// writes the instances in the library's form, see RenderText). The default is the project's
// PTM-derived 65 nm card.
struct Pdk {
  std::filesystem::path library = "models/ptm65.lib";  // relative: found on the search path
  std::vector<std::string> corners = {"tt", "ff", "ss", "fs", "sf"};
  std::string nmos = "nch";
  std::string pmos = "pch";
};

// Binds the PDK placeholders every netlist may use, for one corner:
//   {{models}}  a `.lib "<absolute library path>" <corner>` line
//   {{nmos}}, {{pmos}}  the model names.
// Throws cimchar::UsageError when the corner is not one of pdk.corners (naming the allowed ones),
// the library file cannot be found on the search path, or the corner's section defines no model
// or subcircuit named pdk.nmos or pdk.pmos (naming what it defines); cimchar::Error when the
// library cannot be read or has no such section (naming the sections it has).
void BindPdk(const Pdk& pdk, const std::string& corner, const SearchPath& search, Bindings& b);

}  // namespace cimchar::netlist
