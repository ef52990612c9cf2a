#include "netlist/library.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/error.h"

namespace cimchar::netlist {
namespace fs = std::filesystem;

namespace {

std::string ReadText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error("cannot read the model library file '" + file.string() + "'");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A `.lib` or `.include` argument: relative to the including file's folder when it is there,
// else as written (ngspice's order).
fs::path Resolve(const std::string& name, const fs::path& dir, const spice::Line& line) {
  const fs::path p(name);
  if (p.is_relative() && fs::is_regular_file(dir / p)) {
    return (dir / p).lexically_normal();
  }
  if (fs::is_regular_file(p)) {
    return p;
  }
  throw Error(line.Where() + ": the file '" + name + "' is not found (looked in " + dir.string() +
              ")");
}

std::string Directive(const spice::Line& line) { return line.tokens.front(); }

// The arguments after the directive word, quotes removed.
std::vector<std::string> DirectiveArguments(const spice::Line& line) {
  const std::size_t word = line.text.find_first_of(" \t");
  return word == std::string::npos ? std::vector<std::string>{}
                                   : spice::Arguments(std::string_view(line.text).substr(word));
}

class SectionReader {
 public:
  explicit SectionReader(LibrarySection& out) : out_(out) {}

  void ReadSection(const fs::path& file, const std::string& section) {
    const std::string key = file.string() + "\n" + spice::Lower(section);
    if (std::find(stack_.begin(), stack_.end(), key) != stack_.end()) {
      throw Error("model library '" + file.string() + "': section '" + section +
                  "' loads itself (a .lib cycle)");
    }
    stack_.push_back(key);
    Note(file);
    const auto lines = spice::LogicalLines(ReadText(file), file.string(), false);
    const std::string want = spice::Lower(section);
    std::vector<std::string> sections;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (Directive(lines[i]) != ".lib" || DirectiveArguments(lines[i]).size() != 1) {
        continue;
      }
      const std::string name = spice::Lower(DirectiveArguments(lines[i]).front());
      if (name != want) {
        sections.push_back(name);
        continue;
      }
      std::size_t end = i + 1;
      while (end < lines.size() && Directive(lines[end]) != ".endl") {
        if (Directive(lines[end]) == ".lib" && DirectiveArguments(lines[end]).size() == 1) {
          break;
        }
        ++end;
      }
      if (end == lines.size() || Directive(lines[end]) != ".endl") {
        throw Error(lines[i].Where() + ": section '" + section + "' has no .endl");
      }
      Process(lines, i + 1, end, file.parent_path());
      stack_.pop_back();
      return;
    }
    std::string names;
    for (const auto& s : sections) {
      names += (names.empty() ? "" : ", ") + s;
    }
    throw Error("model library '" + file.string() + "' has no section '" + section +
                "' (its sections: " + (names.empty() ? "none" : names) + ")");
  }

 private:
  void Note(const fs::path& file) {
    if (std::find(out_.files.begin(), out_.files.end(), file) == out_.files.end()) {
      out_.files.push_back(file);
    }
  }

  // The whole of an included file; its own `.lib NAME` sections are skipped (loaded only when
  // asked for by name).
  void ReadInclude(const fs::path& file, const spice::Line& from) {
    const std::string key = file.string();
    if (std::find(stack_.begin(), stack_.end(), key) != stack_.end()) {
      throw Error(from.Where() + ": '" + file.string() + "' includes itself (an .include cycle)");
    }
    stack_.push_back(key);
    Note(file);
    const auto lines = spice::LogicalLines(ReadText(file), file.string(), false);
    std::vector<spice::Line> kept;
    bool in_section = false;
    for (const auto& l : lines) {
      if (Directive(l) == ".lib" && DirectiveArguments(l).size() == 1) {
        in_section = true;
      } else if (Directive(l) == ".endl") {
        in_section = false;
      } else if (!in_section) {
        kept.push_back(l);
      }
    }
    Process(kept, 0, kept.size(), file.parent_path());
    stack_.pop_back();
  }

  void Process(const std::vector<spice::Line>& lines,
               std::size_t begin,
               std::size_t end,
               const fs::path& dir) {
    bool in_subckt = false;
    for (std::size_t i = begin; i < end; ++i) {
      const spice::Line& l = lines[i];
      const std::string head = Directive(l);
      if (head == ".subckt") {
        if (l.tokens.size() < 2) {
          throw Error(l.Where() + ": .subckt without a name");
        }
        in_subckt = true;
        out_.subcircuits.insert(l.tokens[1]);
        out_.subcircuit_lines.push_back(l);
      } else if (head == ".ends") {
        in_subckt = false;
        out_.subcircuit_lines.push_back(l);
      } else if (in_subckt) {
        out_.subcircuit_lines.push_back(l);
      } else if (head == ".model" && l.tokens.size() >= 2) {
        out_.models.insert(l.tokens[1]);
      } else if (head == ".lib") {
        const auto args = DirectiveArguments(l);
        if (args.size() == 2) {
          ReadSection(Resolve(args[0], dir, l), args[1]);
        }
      } else if (head == ".include" || head == ".inc") {
        const auto args = DirectiveArguments(l);
        if (args.size() != 1) {
          throw Error(l.Where() + ": .include takes one file name");
        }
        ReadInclude(Resolve(args[0], dir, l), l);
      }
    }
  }

  LibrarySection& out_;
  std::vector<std::string> stack_;
};

struct CacheEntry {
  std::shared_ptr<const LibrarySection> section;
  std::vector<std::pair<fs::path, fs::file_time_type>> stamps;
};

bool Current(const CacheEntry& e) {
  for (const auto& [file, time] : e.stamps) {
    std::error_code ec;
    if (fs::last_write_time(file, ec) != time || ec) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string LibrarySection::DefinedNames() const {
  std::set<std::string> all = models;
  all.insert(subcircuits.begin(), subcircuits.end());
  std::string out;
  for (const auto& n : all) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out.empty() ? "none" : out;
}

std::shared_ptr<const LibrarySection> ReadLibrarySection(const fs::path& file,
                                                         const std::string& section) {
  static std::mutex mutex;
  static std::map<std::string, CacheEntry> cache;
  const std::string key = file.string() + "\n" + spice::Lower(section);
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end() && Current(it->second)) {
      return it->second.section;
    }
  }
  auto read = std::make_shared<LibrarySection>();
  read->file = file;
  read->section = section;
  SectionReader(*read).ReadSection(file, section);
  CacheEntry entry{read, {}};
  std::error_code ec;
  for (const auto& f : read->files) {
    entry.stamps.emplace_back(f, fs::last_write_time(f, ec));
  }
  std::lock_guard lock(mutex);
  cache[key] = entry;
  return read;
}

std::vector<std::pair<std::string, std::string>> LibraryLines(std::string_view deck) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : spice::LogicalLines(deck, "deck", true)) {
    if (Directive(l) == ".lib") {
      const auto args = DirectiveArguments(l);
      if (args.size() == 2) {
        out.emplace_back(args[0], args[1]);
      }
    }
  }
  return out;
}

std::string InstantiateLibrarySubcircuits(std::string_view deck) {
  std::set<std::string> wrapped;
  for (const auto& [file, section] : LibraryLines(deck)) {
    const auto lib = ReadLibrarySection(file, section);
    wrapped.insert(lib->subcircuits.begin(), lib->subcircuits.end());
  }
  if (wrapped.empty()) {
    return std::string(deck);
  }
  // Physical lines; the first is the title.
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos <= deck.size();) {
    const std::size_t nl = deck.find('\n', pos);
    lines.emplace_back(deck.substr(pos, nl == std::string_view::npos ? deck.npos : nl - pos));
    pos = nl == std::string_view::npos ? deck.size() + 1 : nl + 1;
  }
  auto first_char = [](const std::string& s) { return s.find_first_not_of(" \t"); };
  bool in_control = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t s = first_char(lines[i]);
    if (s == std::string::npos) {
      continue;
    }
    const std::string head = spice::Lower(lines[i].substr(s, lines[i].find_first_of(" \t", s) - s));
    if (head == ".control") {
      in_control = true;
    } else if (head == ".endc") {
      in_control = false;
    }
    if (in_control || std::tolower(static_cast<unsigned char>(lines[i][s])) != 'm') {
      continue;
    }
    std::string joined = lines[i];
    for (std::size_t k = i + 1; k < lines.size(); ++k) {
      const std::size_t c = first_char(lines[k]);
      if (c == std::string::npos || lines[k][c] != '+') {
        break;
      }
      joined += "\n" + lines[k];
    }
    const auto logical = spice::LogicalLines(joined, "deck", false);
    if (!logical.empty() && logical.front().tokens.size() >= 6 &&
        wrapped.count(logical.front().tokens[5]) != 0) {
      lines[i].insert(s, "x");
    }
  }
  std::string out;
  out.reserve(deck.size() + 1024);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size()) {
      out += '\n';
    }
  }
  return out;
}

}  // namespace cimchar::netlist
