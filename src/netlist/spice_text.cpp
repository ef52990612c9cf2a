#include "netlist/spice_text.h"

#include <algorithm>
#include <cctype>

namespace cimchar::netlist::spice {
namespace {

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

}  // namespace

std::string Line::Where() const { return origin + " line " + std::to_string(number); }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::pair<std::string, std::string> SplitAssign(const std::string& token) {
  size_t eq = token.find('=');
  if (eq == std::string::npos) {
    return {token, ""};
  }
  return {token.substr(0, eq), token.substr(eq + 1)};
}

std::vector<Line> LogicalLines(std::string_view text, const std::string& origin, bool title) {
  std::vector<Line> lines;
  std::string current;
  int current_no = 0;
  int no = 0;
  size_t pos = 0;
  bool first = title;
  auto flush = [&] {
    if (!current.empty()) {
      lines.push_back({origin, current_no, current, Tokenize(current)});
    }
    current.clear();
  };
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
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
    line.erase(line.find_last_not_of(" \t\r") + 1);
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

std::vector<std::string> Arguments(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    }
    if (i >= s.size()) {
      break;
    }
    if (s[i] == '"' || s[i] == '\'') {
      char q = s[i++];
      size_t end = s.find(q, i);
      if (end == std::string_view::npos) {
        end = s.size();
      }
      out.emplace_back(s.substr(i, end - i));
      i = end + 1;
    } else {
      size_t end = i;
      while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end]))) {
        ++end;
      }
      out.emplace_back(s.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

}  // namespace cimchar::netlist::spice
