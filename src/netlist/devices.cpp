#include "netlist/devices.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <string>

#include "core/error.h"
#include "netlist/library.h"
#include "netlist/spice_text.h"

namespace cimchar::netlist {
namespace {

using spice::Line;
using spice::Lower;
using spice::SplitAssign;

struct Subckt {
  std::string name;
  size_t port_count = 0;
  std::map<std::string, std::string> params;  // defaults
  std::vector<Line> body;
};

class Flattener {
 public:
  explicit Flattener(std::string_view deck) {
    top_ = Collect(spice::LogicalLines(deck, "deck", true), subckts_);
    libraries_ = LibraryLines(deck);
  }

  std::vector<Device> Run() {
    std::vector<Device> out;
    Expand(top_, "", {}, 0, out);
    return out;
  }

 private:
  using Params = std::map<std::string, std::string>;

  // Files `lines`' subcircuit definitions into `into`; returns the lines outside them.
  static std::vector<Line> Collect(std::vector<Line> lines, std::map<std::string, Subckt>& into) {
    std::vector<Line> rest;
    Subckt* open = nullptr;
    for (auto& l : lines) {
      const std::string& head = l.tokens.front();
      if (head == ".subckt") {
        if (open != nullptr) {
          throw Error(l.Where() + ": nested .subckt definition");
        }
        if (l.tokens.size() < 2) {
          throw Error(l.Where() + ": .subckt without a name");
        }
        Subckt sc;
        sc.name = l.tokens[1];
        for (size_t k = 2; k < l.tokens.size(); ++k) {
          if (l.tokens[k] == "params:") {
            continue;
          }
          auto [key, value] = SplitAssign(l.tokens[k]);
          if (value.empty()) {
            ++sc.port_count;
          } else {
            sc.params[key] = value;
          }
        }
        open = &into[sc.name];
        *open = std::move(sc);
      } else if (head == ".ends") {
        open = nullptr;
      } else if (open != nullptr) {
        open->body.push_back(std::move(l));
      } else {
        rest.push_back(std::move(l));
      }
    }
    return rest;
  }

  // A subcircuit of the deck, else of the library sections the deck loads (read on first need:
  // open PDKs wrap their transistors in subcircuits), else nullptr.
  const Subckt* Find(const std::string& name) {
    if (auto it = subckts_.find(name); it != subckts_.end()) {
      return &it->second;
    }
    if (!libraries_read_) {
      libraries_read_ = true;
      for (const auto& [file, section] : libraries_) {
        const auto lib = ReadLibrarySection(file, section);
        Collect(lib->subcircuit_lines, library_subckts_);
      }
    }
    auto it = library_subckts_.find(name);
    return it == library_subckts_.end() ? nullptr : &it->second;
  }

  static double Eval(const std::string& text,
                     const Params& params,
                     const Line& line,
                     const std::string& what) {
    std::string t = text;
    for (int depth = 0; depth < 8; ++depth) {
      if (t.size() >= 2 && t.front() == '{' && t.back() == '}') {
        t = t.substr(1, t.size() - 2);
      }
      t.erase(0, t.find_first_not_of(" \t"));
      t.erase(t.find_last_not_of(" \t") + 1);
      double v = 0.0;
      if (ParseSpiceNumber(t, v)) {
        return v;
      }
      auto it = params.find(t);
      if (it == params.end()) {
        break;
      }
      t = it->second;
    }
    throw Error(line.Where() + ": cannot evaluate " + what + " '" + text +
                "' (use a number or a subcircuit parameter name)");
  }

  void Expand(const std::vector<Line>& body,
              const std::string& prefix,
              const Params& params,
              int depth,
              std::vector<Device>& out) {
    if (depth > 64) {
      throw Error("subcircuit nesting deeper than 64 levels (recursive definition?)");
    }
    for (const auto& l : body) {
      const std::string& name = l.tokens.front();
      const char kind = name.front();
      const std::string flat = prefix.empty() ? name : std::string(1, kind) + "." + prefix + name;
      if (kind == 'm' && l.tokens.size() >= 6) {
        Device d;
        d.kind = Device::Kind::kMos;
        d.name = flat;
        d.model = l.tokens[5];
        double m = 1.0, nf = 1.0;
        for (size_t k = 6; k < l.tokens.size(); ++k) {
          auto [key, value] = SplitAssign(l.tokens[k]);
          if (key == "w") {
            d.w_m = Eval(value, params, l, "W of " + name);
          } else if (key == "l") {
            d.l_m = Eval(value, params, l, "L of " + name);
          } else if (key == "m") {
            m = Eval(value, params, l, "m of " + name);
          } else if (key == "nf") {
            nf = Eval(value, params, l, "nf of " + name);
          }
        }
        if (d.w_m <= 0.0 || d.l_m <= 0.0) {
          throw Error(l.Where() + ": transistor " + name + " needs explicit positive w= and l=");
        }
        d.w_m /= nf;
        d.mult = m * nf;
        out.push_back(std::move(d));
      } else if (kind == 'c' && l.tokens.size() >= 4) {
        Device d;
        d.kind = Device::Kind::kCapacitor;
        d.name = flat;
        d.c_f = Eval(l.tokens[3], params, l, "value of " + name);
        for (size_t k = 4; k < l.tokens.size(); ++k) {
          auto [key, value] = SplitAssign(l.tokens[k]);
          if (key == "m") {
            d.mult = Eval(value, params, l, "m of " + name);
          }
        }
        out.push_back(std::move(d));
      } else if (kind == 'x') {
        // x<name> nodes... subckt [k=v ...]: the subckt name is the last token without '='.
        std::string sub;
        Params inst;
        for (size_t k = 1; k < l.tokens.size(); ++k) {
          auto [key, value] = SplitAssign(l.tokens[k]);
          if (value.empty()) {
            if (key != "params:") {
              sub = key;
            }
          } else {
            inst[key] = value;
          }
        }
        const Subckt* def = Find(sub);
        if (def == nullptr) {
          std::string libs;
          for (const auto& [file, section] : libraries_) {
            libs += (libs.empty() ? "" : ", ") + file + " " + section;
          }
          throw Error(l.Where() + ": instance " + name + " uses unknown subcircuit '" + sub +
                      "' (defined neither in the deck nor in the library sections it loads: " +
                      (libs.empty() ? "none" : libs) + ")");
        }
        Params merged = def->params;
        for (auto& [k, v] : merged) {  // defaults may refer to the parent's parameters
          if (params.count(v) != 0) {
            v = params.at(v);
          }
        }
        for (const auto& [k, v] : inst) {
          merged[k] = params.count(v) != 0 ? params.at(v) : v;
        }
        Expand(def->body, prefix + name + ".", merged, depth + 1, out);
      }
    }
  }

  std::map<std::string, Subckt> subckts_;
  std::vector<Line> top_;
  std::vector<std::pair<std::string, std::string>> libraries_;  // the deck's `.lib FILE SECTION`
  bool libraries_read_ = false;
  std::map<std::string, Subckt> library_subckts_;
};

}  // namespace

bool ParseSpiceNumber(std::string_view text, double& value) {
  std::string t = Lower(text);
  if (t.empty()) {
    return false;
  }
  const char* begin = t.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (end == begin) {
    return false;
  }
  std::string suffix(end);
  double scale = 1.0;
  if (suffix.rfind("meg", 0) == 0) {
    scale = 1e6;
  } else if (suffix.rfind("mil", 0) == 0) {
    scale = 25.4e-6;
  } else if (!suffix.empty()) {
    switch (suffix.front()) {
      case 'f':
        scale = 1e-15;
        break;
      case 'p':
        scale = 1e-12;
        break;
      case 'n':
        scale = 1e-9;
        break;
      case 'u':
        scale = 1e-6;
        break;
      case 'm':
        scale = 1e-3;
        break;
      case 'k':
        scale = 1e3;
        break;
      case 'g':
        scale = 1e9;
        break;
      case 't':
        scale = 1e12;
        break;
      default:
        if (!std::isalpha(static_cast<unsigned char>(suffix.front()))) {
          return false;
        }
    }
  }
  for (char c : suffix) {
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  value = v * scale;
  return true;
}

std::vector<Device> EnumerateDevices(std::string_view deck) { return Flattener(deck).Run(); }

}  // namespace cimchar::netlist
