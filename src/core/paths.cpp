#include "core/paths.h"

#include <cstdlib>
#include <optional>
#include <system_error>

namespace cimchar::core {

std::filesystem::path ProjectHome() {
  if (const char* home = std::getenv("CIMCHAR_HOME"); home != nullptr && *home != '\0') {
    return home;
  }
  return CIMCHAR_DEFAULT_HOME;
}

std::filesystem::path NetlistsDir() { return ProjectHome() / "netlists"; }

std::filesystem::path RecipesDir() { return ProjectHome() / "characterization"; }

std::string ProvenancePath(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const auto inside = [](const fs::path& file, const fs::path& home) -> std::optional<fs::path> {
    const fs::path relative = file.lexically_relative(home);
    if (relative.empty() || *relative.begin() == "..") {
      return std::nullopt;
    }
    return relative;
  };
  const auto normal = [](const fs::path& p) {
    std::error_code ignored;
    fs::path n = fs::absolute(p, ignored).lexically_normal();
    return n.has_filename() || n == n.root_path() ? n : n.parent_path();  // no trailing '/'
  };
  const fs::path file = normal(path);
  const fs::path home = normal(ProjectHome());
  if (const auto relative = inside(file, home)) {
    return relative->string();
  }
  // The same folders reached through symbolic links.
  std::error_code ec;
  const fs::path real_file = fs::weakly_canonical(file, ec);
  const fs::path real_home = ec ? fs::path() : fs::weakly_canonical(home, ec);
  if (!ec) {
    if (const auto relative = inside(real_file, real_home)) {
      return relative->string();
    }
  }
  return file.string();
}

}  // namespace cimchar::core
