#include "exporters/document.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "core/error.h"

namespace cimchar::exporters {

std::string FormatReal(double value) {
  if (!std::isfinite(value)) {
    throw Error("cannot write the non-finite value " + std::to_string(value) +
                " to JSON/YAML: fix the input model (NaN or infinity has no spelling there)");
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (result.ec != std::errc()) {
    throw Error("internal: cannot format a real number");
  }
  std::string text(buffer, result.ptr);
  const auto e = text.find_first_of("eE");
  std::string mantissa = text.substr(0, e);
  std::string exponent = e == std::string::npos ? "" : text.substr(e + 1);
  if (mantissa.find('.') == std::string::npos) {
    mantissa += ".0";
  }
  if (exponent.empty()) {
    return mantissa;
  }
  if (exponent[0] != '-' && exponent[0] != '+') {
    exponent = "+" + exponent;
  }
  return mantissa + "e" + exponent;
}

std::string QuoteString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", u);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

Document Document::Reals(const std::vector<double>& values) {
  Array array;
  array.reserve(values.size());
  for (const double v : values) {
    array.emplace_back(v);
  }
  return Document(std::move(array));
}

Document& Document::Set(std::string key, Document value) {
  if (IsNull()) {
    value_ = Object{};
  }
  auto* object = std::get_if<Object>(&value_);
  if (object == nullptr) {
    throw Error("internal: Document::Set(\"" + key + "\") on a value that is not an object");
  }
  for (const auto& [existing, ignored] : *object) {
    if (existing == key) {
      throw Error("internal: duplicate key \"" + key + "\" in an exported document");
    }
  }
  object->emplace_back(std::move(key), std::move(value));
  return *this;
}

Document& Document::Push(Document value) {
  if (IsNull()) {
    value_ = Array{};
  }
  auto* array = std::get_if<Array>(&value_);
  if (array == nullptr) {
    throw Error("internal: Document::Push on a value that is not an array");
  }
  array->push_back(std::move(value));
  return *this;
}

const Document* Document::Find(const std::string& key) const {
  const auto* object = std::get_if<Object>(&value_);
  if (object == nullptr) {
    throw Error("internal: Document::Find(\"" + key + "\") on a value that is not an object");
  }
  for (const auto& [k, v] : *object) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

namespace {

bool IsPlainYamlKey(const std::string& key) {
  if (key.empty()) {
    return false;
  }
  static const char* const kReserved[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "n",    "N",
                                          "no",    "No",    "NO",   "true", "True", "TRUE", "false",
                                          "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",
                                          "OFF",   "null",  "Null", "NULL", "~"};
  for (const char* reserved : kReserved) {
    if (key == reserved) {
      return false;
    }
  }
  const char first = key[0];
  const bool first_ok =
      (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_';
  if (!first_ok) {
    return false;
  }
  for (const char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct DocumentWriter {
  static std::string Path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) {
      out += "/" + p;
    }
    return out.empty() ? "/" : out;
  }

  static std::string Scalar(const Document& d, const std::vector<std::string>& path) {
    return std::visit(
        [&](const auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            return "null";
          } else if constexpr (std::is_same_v<T, bool>) {
            return v ? "true" : "false";
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return std::to_string(v);
          } else if constexpr (std::is_same_v<T, double>) {
            try {
              return FormatReal(v);
            } catch (const Error& e) {
              throw Error(std::string(e.what()) + " (at " + Path(path) + ")");
            }
          } else if constexpr (std::is_same_v<T, std::string>) {
            return QuoteString(v);
          } else if constexpr (std::is_same_v<T, Document::Array>) {
            return "[]";
          } else {
            return "{}";
          }
        },
        d.value_);
  }

  static bool IsBlock(const Document& d) {
    if (const auto* a = std::get_if<Document::Array>(&d.value_)) {
      return !a->empty();
    }
    if (const auto* o = std::get_if<Document::Object>(&d.value_)) {
      return !o->empty();
    }
    return false;
  }

  static void Json(const Document& d,
                   int indent,
                   std::vector<std::string>& path,
                   std::string& out) {
    const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
    if (const auto* a = std::get_if<Document::Array>(&d.value_); a && !a->empty()) {
      out += "[\n";
      for (std::size_t i = 0; i < a->size(); ++i) {
        path.push_back(std::to_string(i));
        out += pad;
        Json((*a)[i], indent + 2, path, out);
        path.pop_back();
        out += i + 1 < a->size() ? ",\n" : "\n";
      }
      out += std::string(static_cast<std::size_t>(indent), ' ') + "]";
    } else if (const auto* o = std::get_if<Document::Object>(&d.value_); o && !o->empty()) {
      out += "{\n";
      for (std::size_t i = 0; i < o->size(); ++i) {
        path.push_back((*o)[i].first);
        out += pad + QuoteString((*o)[i].first) + ": ";
        Json((*o)[i].second, indent + 2, path, out);
        path.pop_back();
        out += i + 1 < o->size() ? ",\n" : "\n";
      }
      out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
    } else {
      out += Scalar(d, path);
    }
  }

  // Writes a non-empty container as block YAML lines at `indent`.
  static void Yaml(const Document& d,
                   int indent,
                   std::vector<std::string>& path,
                   std::string& out) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (const auto* o = std::get_if<Document::Object>(&d.value_)) {
      for (const auto& [key, value] : *o) {
        path.push_back(key);
        out += pad + (IsPlainYamlKey(key) ? key : QuoteString(key)) + ":";
        if (IsBlock(value)) {
          out += "\n";
          Yaml(value, indent + 2, path, out);
        } else {
          out += " " + Scalar(value, path) + "\n";
        }
        path.pop_back();
      }
      return;
    }
    const auto& a = std::get<Document::Array>(d.value_);
    for (std::size_t i = 0; i < a.size(); ++i) {
      path.push_back(std::to_string(i));
      if (IsBlock(a[i])) {
        std::string item;
        Yaml(a[i], indent + 2, path, item);
        // The item's first line starts with indent+2 spaces: turn them into "<pad>- ".
        out += pad + "- " + item.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad + "- " + Scalar(a[i], path) + "\n";
      }
      path.pop_back();
    }
  }
};

std::string Document::ToJson() const {
  std::string out;
  std::vector<std::string> path;
  DocumentWriter::Json(*this, 0, path, out);
  out += "\n";
  return out;
}

std::string Document::ToYaml() const {
  std::vector<std::string> path;
  if (!DocumentWriter::IsBlock(*this)) {
    return DocumentWriter::Scalar(*this, path) + "\n";
  }
  std::string out;
  DocumentWriter::Yaml(*this, 0, path, out);
  return out;
}

}  // namespace cimchar::exporters
