#pragma once
// One declarative table of fields per settings struct: name, type, range, default and a one-line
// doc, with one reader, one writer and one range check for all of them, so that a new field is one
// line and every field is validated and reported the same way. The PSD meta-training config
// (gps/config.cpp, gps/meta_train_config.cpp) and the hand-designed optimizers' hyper-parameters
// (optim/registry.cpp) are read this way; `l2o fields` prints the tables (docs/fields.md).
//
//   const FieldTable<AdamOptions> t{
//       number("lr", &AdamOptions::lr, positive(), "step size"),
//       integer("memory", [](auto& o) -> auto& { return o.inner.memory; }, at_least(1), "..."),
//   };
//   read_fields(t, json, options, {"optimizer adam", "hyper-parameter"});
//
// Every number read must be finite (a document built in code can hold infinity) and inside its
// range; integers must be whole and fit their type; unknown keys are errors. Messages read
// "<where>: <item> <prefix><name> must be <range>, got <value>".
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "l2o/core/error.hpp"
#include "l2o/core/json_integer.hpp"

namespace l2o {

// An interval of finite numbers with open or closed ends (infinite ends mean "no bound").
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;

  bool contains(double v) const {
    return std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
  // "finite", "> 0", ">= 1", "<= 3", "in (0, 1]".
  std::string describe() const {
    const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
      return fmt::format("in {}{}, {}{}", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    if (has_lo) return fmt::format("{} {}", lo_open ? ">" : ">=", lo);
    if (has_hi) return fmt::format("{} {}", hi_open ? "<" : "<=", hi);
    return "finite";
  }
};
inline Range finite() { return {}; }
inline Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true, false}; }
inline Range nonnegative() { return {0.0, std::numeric_limits<double>::infinity(), false, false}; }
inline Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
inline Range closed(double lo, double hi) { return {lo, hi, false, false}; }
inline Range open(double lo, double hi) { return {lo, hi, true, true}; }
inline Range left_open(double lo, double hi) { return {lo, hi, true, false}; }   // (lo, hi]
inline Range right_open(double lo, double hi) { return {lo, hi, false, true}; }  // [lo, hi)

// Where a table is read: "gps config" + "field" + "badmm." gives "gps config: field badmm.x ...".
struct FieldContext {
  std::string where;
  std::string item = "field";
  std::string prefix;
  [[noreturn]] void fail(const std::string& name, const std::string& what) const {
    throw Error(fmt::format("{}: {} {}{} {}", where, item, prefix, name, what));
  }
};

template <class S>
struct Field {
  std::string name;
  std::string type;  // "number", "integer", "boolean", "string", "list of numbers", "one of a, b"
  Range range;       // numbers, integers and list elements
  std::string doc;
  std::function<nlohmann::json(const S&)> get;
  std::function<void(S&, const nlohmann::json&, const FieldContext&)> set;  // checks type and range
  std::function<void(const S&, const FieldContext&)> check;                 // range of the current value
  // Sections only: the Markdown rows of the nested table (defaults from the argument).
  std::function<std::string(const S&, const std::string& prefix)> rows = nullptr;
};
template <class S>
using FieldTable = std::vector<Field<S>>;

namespace field_detail {
// The member an accessor names: a pointer to member or a callable `[](auto& s) -> auto& {...}`.
template <class S, class Acc>
decltype(auto) ref(S& s, const Acc& acc) {
  return std::invoke(acc, s);
}
template <class S, class Acc>
using member_t = std::remove_cvref_t<decltype(std::invoke(std::declval<const Acc&>(), std::declval<S&>()))>;

inline double finite_number(const nlohmann::json& j, const std::string& name, const Range& r, const FieldContext& c) {
  if (!j.is_number()) c.fail(name, fmt::format("must be a number, got {}", j.dump()));
  const double v = j.get<double>();
  if (!r.contains(v)) c.fail(name, fmt::format("must be {}, got {}", r.describe(), j.dump()));
  return v;
}
}  // namespace field_detail

// A floating-point field.
template <class S, class Acc>
Field<S> number(std::string name, Acc acc, Range range, std::string doc) {
  Field<S> f{name, "number", range, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc](const S& s) { return nlohmann::json(field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, name, range](S& s, const nlohmann::json& j, const FieldContext& c) {
    field_detail::ref(s, acc) = field_detail::finite_number(j, name, range, c);
  };
  f.check = [acc, name, range](const S& s, const FieldContext& c) {
    const double v = field_detail::ref(const_cast<S&>(s), acc);
    if (!range.contains(v)) c.fail(name, fmt::format("must be {}, got {}", range.describe(), v));
  };
  return f;
}

// An integer field of any integral type. A JSON float with a whole value (10.0) is accepted, as
// files written by other tools may hold one.
template <class S, class Acc>
Field<S> integer(std::string name, Acc acc, Range range, std::string doc) {
  using T = field_detail::member_t<S, Acc>;
  static_assert(std::is_integral_v<T>, "integer() needs an integral member");
  Field<S> f{name, "integer", range, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc](const S& s) { return nlohmann::json(field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, name, range](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (!j.is_number()) c.fail(name, fmt::format("must be a whole number, got {}", j.dump()));
    const double v = j.get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) c.fail(name, fmt::format("must be a whole number, got {}", j.dump()));
    if (!range.contains(v)) c.fail(name, fmt::format("must be {}, got {}", range.describe(), j.dump()));
    // The type's own limits (core/json_integer.hpp: exact for JSON integers such as a 64-bit seed,
    // below 2^53 for whole numbers written as floats).
    T value{};
    try {
      value = json_integer<T>(j, name);
    } catch (const Error&) {
      c.fail(name, fmt::format("is out of range, got {}", j.dump()));
    }
    field_detail::ref(s, acc) = value;
  };
  f.check = [acc, name, range](const S& s, const FieldContext& c) {
    const auto v = field_detail::ref(const_cast<S&>(s), acc);
    if (!range.contains(static_cast<double>(v))) c.fail(name, fmt::format("must be {}, got {}", range.describe(), v));
  };
  return f;
}

template <class S, class Acc>
Field<S> boolean(std::string name, Acc acc, std::string doc) {
  Field<S> f{name, "boolean", {}, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc](const S& s) { return nlohmann::json(static_cast<bool>(field_detail::ref(const_cast<S&>(s), acc))); };
  f.set = [acc, name](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (!j.is_boolean()) c.fail(name, fmt::format("must be true or false, got {}", j.dump()));
    field_detail::ref(s, acc) = j.get<bool>();
  };
  f.check = [](const S&, const FieldContext&) {};
  return f;
}

template <class S, class Acc>
Field<S> text(std::string name, Acc acc, std::string doc) {
  Field<S> f{name, "string", {}, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc](const S& s) { return nlohmann::json(field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, name](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (!j.is_string()) c.fail(name, fmt::format("must be a string, got {}", j.dump()));
    field_detail::ref(s, acc) = j.get<std::string>();
  };
  f.check = [](const S&, const FieldContext&) {};
  return f;
}

// A list of numbers, each in `range`.
template <class S, class Acc>
Field<S> number_list(std::string name, Acc acc, Range range, std::string doc) {
  Field<S> f{name, "list of numbers", range, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc](const S& s) { return nlohmann::json(field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, name, range](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (!j.is_array()) c.fail(name, fmt::format("must be a list of numbers, got {}", j.dump()));
    std::vector<double> values;
    for (const auto& v : j) values.push_back(field_detail::finite_number(v, name + " (each value)", range, c));
    field_detail::ref(s, acc) = std::move(values);
  };
  f.check = [acc, name, range](const S& s, const FieldContext& c) {
    for (double v : field_detail::ref(const_cast<S&>(s), acc))
      if (!range.contains(v)) c.fail(name, fmt::format("values must be {}, got {}", range.describe(), v));
  };
  return f;
}

// An enumeration stored as one of the named values.
template <class S, class Acc, class E = field_detail::member_t<S, Acc>>
Field<S> choice(std::string name, Acc acc, std::vector<std::pair<std::string, E>> values, std::string doc) {
  std::string names;
  for (const auto& [n, e] : values) names += (names.empty() ? "" : ", ") + n;
  Field<S> f{name, "one of " + names, {}, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc, values](const S& s) {
    for (const auto& [n, e] : values)
      if (e == field_detail::ref(const_cast<S&>(s), acc)) return nlohmann::json(n);
    return nlohmann::json("?");
  };
  f.set = [acc, name, values, names](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (j.is_string())
      for (const auto& [n, e] : values)
        if (j.get<std::string>() == n) {
          field_detail::ref(s, acc) = e;
          return;
        }
    c.fail(name, fmt::format("must be one of {}, got {}", names, j.dump()));
  };
  f.check = [](const S&, const FieldContext&) {};
  return f;
}

template <class S>
void read_fields(const FieldTable<S>& table, const nlohmann::json& j, S& s, const FieldContext& c);
template <class S>
nlohmann::json write_fields(const FieldTable<S>& table, const S& s);
template <class S>
void check_fields(const FieldTable<S>& table, const S& s, const FieldContext& c);
template <class S>
std::string fields_markdown_rows(const FieldTable<S>& table, const S& defaults, const std::string& prefix);

// A nested object read with its own table; its fields are reported as "<name>.<field>".
template <class S, class Acc, class T = field_detail::member_t<S, Acc>>
Field<S> section(std::string name, Acc acc, const FieldTable<T>& table, std::string doc) {
  Field<S> f{name, "section", {}, std::move(doc), nullptr, nullptr, nullptr};
  const FieldTable<T>* t = &table;  // tables are static: they outlive every Field
  auto nested = [name](const FieldContext& c) { return FieldContext{c.where, c.item, c.prefix + name + "."}; };
  f.get = [acc, t](const S& s) { return write_fields(*t, field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, t, name, nested](S& s, const nlohmann::json& j, const FieldContext& c) {
    if (!j.is_object()) throw Error(fmt::format("{}: section '{}{}' must be an object", c.where, c.prefix, name));
    read_fields(*t, j, field_detail::ref(s, acc), nested(c));
  };
  f.check = [acc, t, nested](const S& s, const FieldContext& c) {
    check_fields(*t, field_detail::ref(const_cast<S&>(s), acc), nested(c));
  };
  f.rows = [acc, t, name](const S& d, const std::string& prefix) {
    return fields_markdown_rows(*t, field_detail::ref(const_cast<S&>(d), acc), prefix + name + ".");
  };
  return f;
}

// A field with its own reader and writer (a structure that validates itself, such as a policy
// architecture); `read` gets the JSON value and the field's full name for messages.
template <class S, class Acc, class Write, class Read>
Field<S> custom(std::string name, Acc acc, std::string type, Write write, Read read, std::string doc) {
  Field<S> f{name, std::move(type), {}, std::move(doc), nullptr, nullptr, nullptr};
  f.get = [acc, write](const S& s) { return write(field_detail::ref(const_cast<S&>(s), acc)); };
  f.set = [acc, read, name](S& s, const nlohmann::json& j, const FieldContext& c) {
    field_detail::ref(s, acc) = read(j, fmt::format("{}: {}{}", c.where, c.prefix, name));
  };
  f.check = [](const S&, const FieldContext&) {};
  return f;
}

// Reads the members of `j` (a JSON object; null reads nothing) into `s`; absent members keep their
// value. Unknown members, wrong types and out-of-range values throw l2o::Error.
template <class S>
void read_fields(const FieldTable<S>& table, const nlohmann::json& j, S& s, const FieldContext& c) {
  if (j.is_null()) return;
  if (!j.is_object()) throw Error(fmt::format("{}: {}must be a JSON object, got {}", c.where, c.prefix, j.dump()));
  for (const auto& [key, value] : j.items()) {
    const Field<S>* field = nullptr;
    for (const auto& f : table)
      if (f.name == key) field = &f;
    if (!field) {
      std::string known;
      for (const auto& f : table) known += (known.empty() ? "" : ", ") + f.name;
      throw Error(fmt::format("{}: unknown {} '{}{}' (known: {})", c.where, c.item, c.prefix, key, known));
    }
    field->set(s, value, c);
  }
}

// Every field of `s` as a JSON object, in table order of insertion (nlohmann sorts the keys).
template <class S>
nlohmann::json write_fields(const FieldTable<S>& table, const S& s) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : table) out[f.name] = f.get(s);
  return out;
}

// Throws l2o::Error for the first field of `s` outside its range (for values set in code).
template <class S>
void check_fields(const FieldTable<S>& table, const S& s, const FieldContext& c) {
  for (const auto& f : table) f.check(s, c);
}

// The rows of fields_markdown (sections expand into their fields, named "<section>.<field>").
template <class S>
std::string fields_markdown_rows(const FieldTable<S>& table, const S& defaults, const std::string& prefix) {
  std::string out;
  for (const auto& f : table) {
    if (f.rows) {
      out += f.rows(defaults, prefix);
      continue;
    }
    const bool ranged = f.type == "number" || f.type == "integer" || f.type == "list of numbers";
    std::string def = f.get(defaults).dump();
    if (def.size() > 40) def = def.substr(0, 37) + "...";
    out += fmt::format("| `{}{}` | {} | {} | `{}` | {} |\n", prefix, f.name, f.type, ranged ? f.range.describe() : "",
                       def, f.doc);
  }
  return out;
}

// A Markdown table: | field | type | range | default | meaning |, defaults from `defaults`.
template <class S>
std::string fields_markdown(const FieldTable<S>& table, const S& defaults, const std::string& prefix = "") {
  return "| field | type | range | default | meaning |\n|---|---|---|---|---|\n" +
         fields_markdown_rows(table, defaults, prefix);
}
}  // namespace l2o
