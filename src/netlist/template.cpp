#include "netlist/template.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "netlist/library.h"
#include "netlist/spice_text.h"

namespace cimchar::netlist {
namespace fs = std::filesystem;

Bindings& Bindings::Set(const std::string& name, double value) {
  return SetText(name, FormatNumber(value));
}

Bindings& Bindings::Set(const std::string& name, int value) {
  return SetText(name, std::to_string(value));
}

Bindings& Bindings::SetText(const std::string& name, std::string text) {
  values_[name] = std::move(text);
  return *this;
}

Bindings& Bindings::MarkOptional(const std::string& name) {
  optional_[name] = true;
  return *this;
}

bool Bindings::Has(const std::string& name) const { return values_.count(name) != 0; }

const std::string& Bindings::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    throw Error("netlist placeholder '" + name + "' has no value bound");
  }
  return it->second;
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) {
    throw Error("cannot render a non-finite number into a netlist");
  }
  // Shortest representation that round-trips, never longer than %.17g.
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  if (ec != std::errc()) {
    throw Error("cannot format a number for a netlist");
  }
  return std::string(buf.data(), end);
}

namespace {

struct RenderState {
  const Bindings& bindings;
  std::vector<fs::path> dirs;  // user dirs, then project netlists
  std::set<std::string> used;
  std::vector<fs::path> stack;  // include chain, for cycle detection
  std::set<fs::path> included;  // files already inlined in this deck (each is inlined once)
  std::vector<fs::path>* inputs = nullptr;

  void Note(const fs::path& file) {
    if (inputs != nullptr && std::find(inputs->begin(), inputs->end(), file) == inputs->end()) {
      inputs->push_back(file);
    }
  }
};

std::string Location(std::string_view origin, int line) {
  return std::string(origin) + ":" + std::to_string(line);
}

// Replaces every {{name}} in `line`.
std::string Substitute(std::string_view line,
                       std::string_view origin,
                       int line_no,
                       RenderState& st) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = line.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(line.substr(pos));
      return out;
    }
    size_t close = line.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw Error(Location(origin, line_no) +
                  ": unterminated placeholder '{{' in netlist template");
    }
    std::string name(line.substr(open + 2, close - open - 2));
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!st.bindings.Has(name)) {
      throw Error(Location(origin, line_no) + ": placeholder '{{" + name +
                  "}}' has no value; bind it in the recipe or the bench driver");
    }
    st.used.insert(name);
    out.append(line.substr(pos, open - pos));
    out.append(st.bindings.Get(name));
    pos = close + 2;
  }
}

fs::path Resolve(const std::string& name,
                 const fs::path& base_dir,
                 const RenderState& st,
                 std::string_view origin,
                 int line_no) {
  fs::path p(name);
  if (p.is_absolute()) {
    if (fs::is_regular_file(p)) {
      return p;
    }
    throw Error(Location(origin, line_no) + ": included file '" + name + "' does not exist");
  }
  std::vector<fs::path> tried;
  if (!base_dir.empty()) {
    tried.push_back(base_dir / p);
  }
  // A path that climbs out of its file's folder ("../blocks/x.sp" from benches/) names a file
  // of a netlist folder: a bench copied alone into a user's folder still finds the project's
  // blocks and cells.
  fs::path inside;
  for (const auto& part : p) {
    if (!(inside.empty() && part == "..")) {
      inside /= part;
    }
  }
  for (const auto& d : st.dirs) {
    tried.push_back(d / p);
    if (inside != p) {
      tried.push_back(d / inside);
    }
  }
  for (const auto& t : tried) {
    if (fs::is_regular_file(t)) {
      return fs::absolute(t).lexically_normal();
    }
  }
  std::string msg = Location(origin, line_no);
  msg.append(": included file '").append(name).append("' not found; looked in");
  for (const auto& t : tried) {
    msg.append(" ").append(t.parent_path().string());
  }
  msg.append(" (add your folder with --netlists DIR)");
  throw Error(msg);
}

std::string ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error("cannot read netlist '" + file.string() + "'");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RenderInto(std::string_view text,
                std::string_view origin,
                const fs::path& base_dir,
                RenderState& st,
                std::string& out) {
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = (nl == std::string_view::npos) ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') {
      raw.remove_suffix(1);
    }
    std::string line = Substitute(raw, origin, line_no, st);
    // Keep comment lines as they are (they may legitimately mention `.include`).
    size_t first = line.find_first_not_of(" \t");
    std::string_view body =
        first == std::string::npos ? std::string_view() : std::string_view(line).substr(first);
    std::string head = spice::Lower(body.substr(0, body.find_first_of(" \t")));
    if (head == ".include" || head == ".inc") {
      auto args = spice::Arguments(body.substr(head.size()));
      if (args.size() != 1) {
        throw Error(Location(origin, line_no) + ": .include takes one file name");
      }
      fs::path file = Resolve(args[0], base_dir, st, origin, line_no);
      if (std::find(st.stack.begin(), st.stack.end(), file) != st.stack.end()) {
        throw Error(Location(origin, line_no) + ": include cycle through '" + file.string() + "'");
      }
      if (!st.included.insert(file).second) {
        // A subcircuit library reached by two include paths (e.g. a cell used by two blocks)
        // is inlined once: a second copy would define its subcircuits twice.
        out += "* already included: " + file.filename().string() + "\n";
        continue;
      }
      st.stack.push_back(file);
      st.Note(file);
      out += "* begin " + file.filename().string() + "\n";
      RenderInto(ReadFile(file), file.string(), file.parent_path(), st, out);
      out += "* end " + file.filename().string() + "\n";
      st.stack.pop_back();
      continue;
    }
    if (head == ".lib" && !body.empty()) {
      auto args = spice::Arguments(body.substr(head.size()));
      if (args.size() == 2) {  // `.lib FILE SECTION`; a one-argument .lib opens a section
        fs::path file = Resolve(args[0], base_dir, st, origin, line_no);
        st.Note(file);
        out += ".lib \"" + file.string() + "\" " + args[1] + "\n";
        continue;
      }
    }
    out += line;
    out += '\n';
  }
}

}  // namespace

std::string RenderText(std::string_view text,
                       std::string_view origin,
                       const fs::path& base_dir,
                       const Bindings& bindings,
                       const SearchPath& search,
                       std::vector<fs::path>* inputs) {
  RenderState st{bindings, search.user_dirs, {}, {}, {}, inputs};
  if (search.project_netlists) {
    st.dirs.push_back(core::NetlistsDir());
  }
  std::string out;
  out.reserve(text.size() * 2);
  RenderInto(text, origin, base_dir, st, out);
  for (const auto& [name, value] : bindings.values()) {
    if (st.used.count(name) == 0 && !bindings.IsOptional(name)) {
      throw Error(std::string(origin) + ": value bound to '" + name +
                  "' is used by no placeholder of the deck (misspelt key?)");
    }
  }
  for (const auto& [file, section] : LibraryLines(out)) {
    for (const auto& f : ReadLibrarySection(file, section)->files) {
      st.Note(f);
    }
  }
  return InstantiateLibrarySubcircuits(out);
}

std::string RenderFile(const fs::path& file,
                       const Bindings& bindings,
                       const SearchPath& search,
                       std::vector<fs::path>* inputs) {
  fs::path resolved = file;
  if (!file.is_absolute() && !fs::is_regular_file(file)) {
    RenderState st{bindings, search.user_dirs, {}, {}};
    if (search.project_netlists) {
      st.dirs.push_back(core::NetlistsDir());
    }
    resolved = Resolve(file.string(), {}, st, "netlist template", 0);
  }
  resolved = fs::absolute(resolved).lexically_normal();
  if (inputs != nullptr) {
    inputs->push_back(resolved);
  }
  return RenderText(ReadFile(resolved), resolved.string(), resolved.parent_path(), bindings, search,
                    inputs);
}

}  // namespace cimchar::netlist
