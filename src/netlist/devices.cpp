#include "netlist/devices.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <string>

#include "core/error.h"

namespace cimchar::netlist {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct Line {
  int number;                       // first physical line of the logical line
  std::vector<std::string> tokens;  // lower case; `k = v` folded to `k=v`
};

std::vector<std::string> Tokenize(const std::string& text) {
  std::vector<std::string> raw;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    if (i >= text.size()) {
      break;
    }
    size_t start = i;
    int depth = 0;
    while (i < text.size() && (depth > 0 || !std::isspace(static_cast<unsigned char>(text[i])))) {
      if (text[i] == '{' || text[i] == '(') {
        ++depth;
      } else if ((text[i] == '}' || text[i] == ')') && depth > 0) {
        --depth;
      }
      ++i;
    }
    raw.push_back(Lower(std::string_view(text).substr(start, i - start)));
  }
  // Fold "k = v", "k= v" and "k =v" into "k=v".
  std::vector<std::string> out;
  for (size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == "=" && !out.empty() && k + 1 < raw.size()) {
      out.back() += "=" + raw[++k];
    } else if (!raw[k].empty() && raw[k].front() == '=' && !out.empty()) {
      out.back() += raw[k];
    } else if (!raw[k].empty() && raw[k].back() == '=' && k + 1 < raw.size()) {
      out.push_back(raw[k] + raw[k + 1]);
      ++k;
    } else {
      out.push_back(raw[k]);
    }
  }
  return out;
}

std::vector<Line> LogicalLines(std::string_view deck) {
  std::vector<Line> lines;
  std::string current;
  int current_no = 0;
  int no = 0;
  size_t pos = 0;
  bool first = true;
  auto flush = [&] {
    if (!current.empty()) {
      lines.push_back({current_no, Tokenize(current)});
    }
    current.clear();
  };
  while (pos <= deck.size()) {
    size_t nl = deck.find('\n', pos);
    std::string_view raw =
        deck.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? deck.size() + 1 : nl + 1;
    ++no;
    if (first) {  // the title line
      first = false;
      continue;
    }
    std::string line(raw);
    // Strip inline comments ($ and ;) and full-line comments (*).
    for (const char* mark : {" $", "\t$", ";"}) {
      if (size_t c = line.find(mark); c != std::string::npos) {
        line.erase(c);
      }
    }
    size_t s = line.find_first_not_of(" \t\r");
    if (s == std::string::npos || line[s] == '*') {
      continue;
    }
    if (line[s] == '+') {
      current += " " + line.substr(s + 1);
      continue;
    }
    flush();
    current = line.substr(s);
    current_no = no;
  }
  flush();
  return lines;
}

struct Subckt {
  std::string name;
  size_t port_count = 0;
  std::map<std::string, std::string> params;  // defaults
  std::vector<Line> body;
};

std::pair<std::string, std::string> SplitAssign(const std::string& token) {
  size_t eq = token.find('=');
  if (eq == std::string::npos) {
    return {token, ""};
  }
  return {token.substr(0, eq), token.substr(eq + 1)};
}

class Flattener {
 public:
  explicit Flattener(std::string_view deck) {
    std::vector<Line> lines = LogicalLines(deck);
    Subckt* open = nullptr;
    for (auto& l : lines) {
      const std::string& head = l.tokens.front();
      if (head == ".subckt") {
        if (open != nullptr) {
          throw Error("deck line " + std::to_string(l.number) + ": nested .subckt definition");
        }
        if (l.tokens.size() < 2) {
          throw Error("deck line " + std::to_string(l.number) + ": .subckt without a name");
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
        open = &subckts_[sc.name];
        *open = std::move(sc);
      } else if (head == ".ends") {
        open = nullptr;
      } else if (open != nullptr) {
        open->body.push_back(std::move(l));
      } else {
        top_.push_back(std::move(l));
      }
    }
  }

  std::vector<Device> Run() {
    std::vector<Device> out;
    Expand(top_, "", {}, 0, out);
    return out;
  }

 private:
  using Params = std::map<std::string, std::string>;

  static double Eval(const std::string& text,
                     const Params& params,
                     int line_no,
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
    throw Error("deck line " + std::to_string(line_no) + ": cannot evaluate " + what + " '" + text +
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
            d.w_m = Eval(value, params, l.number, "W of " + name);
          } else if (key == "l") {
            d.l_m = Eval(value, params, l.number, "L of " + name);
          } else if (key == "m") {
            m = Eval(value, params, l.number, "m of " + name);
          } else if (key == "nf") {
            nf = Eval(value, params, l.number, "nf of " + name);
          }
        }
        if (d.w_m <= 0.0 || d.l_m <= 0.0) {
          throw Error("deck line " + std::to_string(l.number) + ": transistor " + name +
                      " needs explicit positive w= and l=");
        }
        d.w_m /= nf;
        d.mult = m * nf;
        out.push_back(std::move(d));
      } else if (kind == 'c' && l.tokens.size() >= 4) {
        Device d;
        d.kind = Device::Kind::kCapacitor;
        d.name = flat;
        d.c_f = Eval(l.tokens[3], params, l.number, "value of " + name);
        for (size_t k = 4; k < l.tokens.size(); ++k) {
          auto [key, value] = SplitAssign(l.tokens[k]);
          if (key == "m") {
            d.mult = Eval(value, params, l.number, "m of " + name);
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
        auto it = subckts_.find(sub);
        if (it == subckts_.end()) {
          throw Error("deck line " + std::to_string(l.number) + ": instance " + name +
                      " uses unknown subcircuit '" + sub + "'");
        }
        Params merged = it->second.params;
        for (auto& [k, v] : merged) {  // defaults may refer to the parent's parameters
          if (params.count(v) != 0) {
            v = params.at(v);
          }
        }
        for (const auto& [k, v] : inst) {
          merged[k] = params.count(v) != 0 ? params.at(v) : v;
        }
        Expand(it->second.body, prefix + name + ".", merged, depth + 1, out);
      }
    }
  }

  std::map<std::string, Subckt> subckts_;
  std::vector<Line> top_;
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
