#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cimchar::netlist {

// Values bound to a template's `{{name}}` placeholders. Numbers are rendered as plain SI with
// full precision (`%.17g`), never with SPICE suffixes; text is inserted verbatim and may span
// several lines (e.g. generated rows of a block). Not thread-safe; cheap to copy.
class Bindings {
 public:
  Bindings& Set(const std::string& name, double value);
  Bindings& Set(const std::string& name, int value);
  Bindings& SetText(const std::string& name, std::string text);
  // Marks a binding that a deck may leave unused (e.g. the PDK's model names).
  Bindings& MarkOptional(const std::string& name);

  bool Has(const std::string& name) const;
  // Throws cimchar::Error naming the placeholder when it is not bound.
  const std::string& Get(const std::string& name) const;
  bool IsOptional(const std::string& name) const { return optional_.count(name) != 0; }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> optional_;
};

// Where `.include` and `.lib` files are looked up: the user's folders first (in order), then
// the project's netlists/ folder. Paths relative to the including file's folder are tried first;
// a path starting with "../" is also looked up below each search folder without that prefix,
// so a bench copied alone into a user's benches/ folder still finds the project's blocks.
struct SearchPath {
  std::vector<std::filesystem::path> user_dirs;
  bool project_netlists = true;  // append core::NetlistsDir()
};

// Renders a netlist template into a deck ngspice can load.
// - `{{name}}` is replaced by its binding; a placeholder with no binding is an error naming it
//   and the file:line; a binding used nowhere in the whole rendered deck is an error naming it.
// - `.include FILE` of a file found on the search path is inlined and rendered with the same
//   bindings (recursively; an include cycle is an error; a file already inlined in the same
//   deck is not inlined again), so cells and blocks can use the
//   PDK's model-name placeholders. `.lib FILE SECTION` is kept for ngspice with FILE made
//   absolute. A file found nowhere is an error naming the including file:line and the folders
//   searched.
// - A transistor (`M` line) whose model a loaded library section defines as a subcircuit, as
//   open PDKs wrap their devices, is written as an `X` instance of it
//   (InstantiateLibrarySubcircuits in netlist/library.h), so templates need not know the form.
// `inputs`, when given, receives every file the deck depends on (the template, each inlined
// include, each .lib file and the files its section loads), for provenance.
// Throws cimchar::Error on every failure above and those of ReadLibrarySection (netlist/library.h).
// Thread-safe.
std::string RenderFile(const std::filesystem::path& file,
                       const Bindings& bindings,
                       const SearchPath& search = {},
                       std::vector<std::filesystem::path>* inputs = nullptr);

// As RenderFile, for template text; `origin` names it in messages and `base_dir` resolves
// relative includes.
std::string RenderText(std::string_view text,
                       std::string_view origin,
                       const std::filesystem::path& base_dir,
                       const Bindings& bindings,
                       const SearchPath& search = {},
                       std::vector<std::filesystem::path>* inputs = nullptr);

// Formats a number the way the renderer does: shortest round-trip form of `%.17g`.
std::string FormatNumber(double value);

}  // namespace cimchar::netlist
