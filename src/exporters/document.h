#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cimchar::exporters {

// A small ordered tree (null, bool, integer, real, string, array, object) that renders to JSON
// and to block-style YAML that PyYAML, Accelergy and any JSON parser read back unchanged. Object
// keys keep their insertion order so files diff cleanly. Value type; not thread-safe to mutate.
class Document {
 public:
  using Array = std::vector<Document>;
  using Object = std::vector<std::pair<std::string, Document>>;

  Document() = default;  // null
  Document(std::nullptr_t) {}
  Document(bool b) : value_(b) {}
  Document(int i) : value_(static_cast<std::int64_t>(i)) {}
  Document(std::int64_t i) : value_(i) {}
  Document(double d) : value_(d) {}
  Document(const char* s) : value_(std::string(s)) {}
  Document(std::string s) : value_(std::move(s)) {}
  Document(Array a) : value_(std::move(a)) {}
  Document(Object o) : value_(std::move(o)) {}

  // An empty object / array (distinct from null).
  static Document MakeObject() { return Document(Object{}); }
  static Document MakeArray() { return Document(Array{}); }
  // An array of reals.
  static Document Reals(const std::vector<double>& values);

  // Appends key: value to an object (converting null to an empty object first). Duplicate keys
  // are a logic error and throw cimchar::Error. Returns *this for chaining.
  Document& Set(std::string key, Document value);
  // Appends to an array (converting null to an empty array first).
  Document& Push(Document value);

  bool IsNull() const { return std::holds_alternative<std::nullptr_t>(value_); }
  bool IsObject() const { return std::holds_alternative<Object>(value_); }
  bool IsArray() const { return std::holds_alternative<Array>(value_); }
  const Object& AsObject() const { return std::get<Object>(value_); }
  const Array& AsArray() const { return std::get<Array>(value_); }
  // Null when the key is missing; throws cimchar::Error when this is not an object.
  const Document* Find(const std::string& key) const;

  // Renders JSON (2-space indent, trailing newline). Non-finite reals throw cimchar::Error
  // naming the key path, as JSON has no spelling for them. Thread-safe on a const tree.
  std::string ToJson() const;
  // Renders block-style YAML (strings double-quoted, reals always with a '.' and a signed
  // exponent so YAML 1.1 resolvers read them as floats). Same failures as ToJson.
  std::string ToYaml() const;

 private:
  friend struct DocumentWriter;
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> value_;
};

// Shortest round-trip text of a finite real, always with a '.' in the mantissa and a signed
// exponent when there is one ("1.0", "2.5e-12", "1.0e+20"): valid JSON and a YAML 1.1 float.
// Throws cimchar::Error for NaN or infinity. Thread-safe.
std::string FormatReal(double value);

// `text` as a double-quoted JSON string literal (also a valid YAML double-quoted scalar):
// escapes quote, backslash and control characters; passes UTF-8 through. Thread-safe.
std::string QuoteString(const std::string& text);

}  // namespace cimchar::exporters
