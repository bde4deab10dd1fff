#pragma once
// Options declared once: each option names a field of an options struct (its default is the
// field's value when declared), its type, range or choices, help text and group. Every front end
// binds the same declarations: the CLI (CLI11, apps/), config files (read_toml / to_toml), the
// Python module's keyword arguments, and the journal key (the options that affect results).
//
// Header-only (target nas_options; standard library only). Not thread-safe: an OptionSet and the
// struct it is bound to belong to one thread while options are being set.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nas/core/errors.hpp"

namespace nas {

class OptionSet {
 public:
  enum class Type { flag, integer, real, text, choice };

  struct Option {
    std::string name;    // without the leading "--"; the same in every command and config file
    std::string help;
    std::string group;   // help section
    Type type = Type::text;
    double min = -std::numeric_limits<double>::infinity(), max = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;  // Type::choice
    std::vector<std::string> aliases;  // other names accepted for it (e.g. task for dataset)
    bool affects_results = true;       // false: threads, output folder, progress... (not in the journal key)
    bool given = false;                // set by the user (command line, config file, keyword)
    bool from_file = false;            // given by a config file (which holds every option), not typed
    std::string default_text;          // the value when declared (help shows it)
    std::string default_note;          // e.g. "guided: 100", when another option changes the default
    std::function<std::string()> get;  // the current value as text
    std::function<void(const std::string&)> assign;  // stores an already validated text

    /// "UINT in [1, 1000000]", "REAL", "carl|tart|gcn|mlp", ... (help and error messages)
    std::string type_name() const {
      switch (type) {
        case Type::flag: return "true|false";
        case Type::integer: return "INT" + range_text();
        case Type::real: return "REAL" + range_text();
        case Type::text: return "TEXT";
        case Type::choice: {
          std::string s;
          for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
          return s;
        }
      }
      return "";
    }
    /// Says how a value must be chosen (mention in errors).
    std::string range_text() const {
      const bool lo = std::isfinite(min), hi = std::isfinite(max);
      if (!lo && !hi) return "";
      auto text = [&](double x) { return type == Type::integer ? std::to_string(static_cast<long long>(x)) : number_text(x); };
      if (lo && hi) return " in [" + text(min) + ", " + text(max) + "]";
      return lo ? " >= " + text(min) : " <= " + text(max);
    }
    /// Fields to option on this option: "affects results" is the default.
    Option& neutral() { affects_results = false; return *this; }
    Option& note(std::string n) { default_note = std::move(n); return *this; }
    Option& alias(std::string other) { aliases.push_back(std::move(other)); return *this; }
  };

  OptionSet() = default;
  // Options hold references into the bound struct; an OptionSet is built where that struct lives.
  OptionSet(const OptionSet&) = delete;
  OptionSet& operator=(const OptionSet&) = delete;
  OptionSet(OptionSet&&) = default;
  OptionSet& operator=(OptionSet&&) = default;

  /// Options declared after this call belong to help section `name`.
  void group(std::string name) { group_ = std::move(name); }

  Option& flag(std::string name, bool& ref, std::string help) {
    return add(std::move(name), std::move(help), Type::flag, [&ref] { return std::string(ref ? "true" : "false"); },
               [&ref](const std::string& v) { ref = v == "true"; });
  }
  template <class Int>
  Option& integer(std::string name, Int& ref, std::string help, long long min, long long max) {
    static_assert(std::is_integral_v<Int>);
    auto& o = add(std::move(name), std::move(help), Type::integer, [&ref] { return std::to_string(ref); },
                  [&ref](const std::string& v) { ref = static_cast<Int>(std::stoll(v)); });
    o.min = static_cast<double>(min), o.max = static_cast<double>(max);
    return o;
  }
  Option& real(std::string name, double& ref, std::string help, double min = -std::numeric_limits<double>::infinity(),
               double max = std::numeric_limits<double>::infinity()) {
    auto& o = add(std::move(name), std::move(help), Type::real, [&ref] { return number_text(ref); },
                  [&ref](const std::string& v) { ref = std::stod(v); });
    o.min = min, o.max = max;
    return o;
  }
  Option& text(std::string name, std::string& ref, std::string help) {
    return add(std::move(name), std::move(help), Type::text, [&ref] { return ref; }, [&ref](const std::string& v) { ref = v; });
  }
  /// A string field restricted to `choices`.
  Option& choice(std::string name, std::string& ref, std::string help, std::vector<std::string> choices) {
    auto& o = add(std::move(name), std::move(help), Type::choice, [&ref] { return ref; }, [&ref](const std::string& v) { ref = v; });
    o.choices = std::move(choices);
    return o;
  }
  /// An enum field: `to_text` and `from_text` are the type's own to_string / parse.
  template <class E, class ToText, class FromText>
  Option& enumeration(std::string name, E& ref, std::string help, const std::vector<E>& values, ToText to_text, FromText from_text) {
    auto& o = add(std::move(name), std::move(help), Type::choice, [&ref, to_text] { return std::string(to_text(ref)); },
                  [&ref, from_text](const std::string& v) { ref = from_text(v); });
    for (const E& e : values) o.choices.emplace_back(to_text(e));
    return o;
  }
  /// Any other binding (several fields, a derived value): `get` and `assign` as in Option.
  Option& custom(std::string name, Type type, std::string help, std::function<std::string()> get,
                 std::function<void(const std::string&)> assign) {
    return add(std::move(name), std::move(help), type, std::move(get), std::move(assign));
  }

  /// Sets option `name` from text, as given by a user: checks the type, range or choices and
  /// marks it given. Throws OptionError "--name: 'value' is not ...; expected ..." (nothing is
  /// changed then), or for an unknown name, the list of known ones.
  void set(const std::string& name, const std::string& value) {
    Option& o = at(name);
    const std::string v = normalise(o, value);
    o.assign(v);
    o.given = true;
    o.from_file = false;
  }
  /// Sets a default that depends on other options (e.g. a benchmark's default dataset): only when
  /// the user did not give the option. Checked like set(); the option stays "not given".
  void set_default(const std::string& name, const std::string& value) {
    Option& o = at(name);
    if (!o.given) o.assign(normalise(o, value));
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  bool given(std::string_view name) const {
    const Option* o = find(name);
    return o && o->given;
  }
  /// Given on the command line or as a keyword, not read from a config file (a config.toml holds
  /// every option: its options of another algorithm are not a mistake of the user's).
  bool typed(std::string_view name) const {
    const Option* o = find(name);
    return o && o->given && !o->from_file;
  }
  /// The current value of `name` as text (throws OptionError for an unknown name).
  std::string value(const std::string& name) const { return const_cast<OptionSet*>(this)->at(name).get(); }
  const std::vector<Option>& options() const { return options_; }
  std::vector<Option>& options() { return options_; }
  /// The option named `name` (or with that alias); null if none.
  const Option* find(std::string_view name) const { return const_cast<OptionSet*>(this)->find_mut(name); }
  /// The options the user gave, in declaration order, as (name, text): to replay them on a fresh set.
  std::vector<std::pair<std::string, std::string>> given_values() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& o : options_)
      if (o.given) out.emplace_back(o.name, o.get());
    return out;
  }

  /// Every option with its effective value as TOML (`name = value`, text quoted and escaped),
  /// under a comment per group. `results_only` leaves out the options that do not affect results
  /// (the journal key). read_toml reads it back to the same values.
  std::string to_toml(bool results_only = false) const {
    std::string out, last_group = "\x01";
    for (const auto& o : options_) {
      if (results_only && !o.affects_results) continue;
      if (!results_only && o.group != last_group) {
        out += "\n# " + (o.group.empty() ? std::string("general") : o.group) + "\n";
        last_group = o.group;
      }
      const std::string v = o.get();
      const bool bare = o.type == Type::flag || o.type == Type::integer || o.type == Type::real;
      out += o.name + " = " + (bare ? v : quote(v)) + "\n";
    }
    return out;
  }

  /// Reads `key = value` lines (TOML subset: numbers, true/false, "strings" with the escapes backslash-quote and
  /// backslash-backslash, # comments, blank lines; keys are option names) and sets each option not already
  /// given (the command line wins). All lines are checked before any option changes. Throws
  /// OptionError "FILE:LINE: ..." naming the key and value.
  void read_toml(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw OptionError(path + ": cannot open config file");
    std::vector<std::pair<std::string, std::string>> pending;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const auto where = path + ":" + std::to_string(n) + ": ";
      if (line.size() > 65536) throw OptionError(where + "line longer than 65536 characters");
      std::string key, value;
      if (!parse_toml_line(line, key, value, where)) continue;
      Option* o = find_mut(key);
      if (!o) throw OptionError(where + "unknown option '" + key + "'" + known_list());
      if (o->given) continue;
      try {
        pending.emplace_back(key, normalise(*o, value));
      } catch (const OptionError& e) {
        throw OptionError(where + e.what());
      }
    }
    for (auto& [k, v] : pending) {
      Option& o = at(k);
      o.assign(v);
      o.given = true;
      o.from_file = true;
    }
  }

  /// Shortest text that reads back to the same double ("0.1", "1e-05", "150").
  static std::string number_text(double x) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
  }

 private:
  Option& add(std::string name, std::string help, Type type, std::function<std::string()> get,
              std::function<void(const std::string&)> assign) {
    if (find(name)) throw std::logic_error("option --" + name + " declared twice");
    Option o;
    o.name = std::move(name), o.help = std::move(help), o.group = group_, o.type = type;
    o.get = std::move(get), o.assign = std::move(assign);
    o.default_text = o.get();
    options_.push_back(std::move(o));
    return options_.back();
  }
  Option* find_mut(std::string_view name) {
    for (auto& o : options_)
      if (o.name == name) return &o;
    for (auto& o : options_)
      for (const auto& a : o.aliases)
        if (a == name) return &o;
    return nullptr;
  }
  std::string known_list() const {
    std::string s = "; known:";
    for (const auto& o : options_) s += " " + o.name;
    return s;
  }
  Option& at(const std::string& name) {
    if (Option* o = find_mut(name)) return *o;
    throw OptionError("unknown option '--" + name + "'" + known_list());
  }

  /// Checks `value` against `o`; returns the text to store (flags: "true"/"false").
  static std::string normalise(const Option& o, const std::string& value) {
    auto bad = [&](const std::string& why) {
      return OptionError("--" + o.name + ": '" + printable(value) + "' " + why + "; expected " + o.type_name());
    };
    switch (o.type) {
      case Type::flag:
        if (value == "true" || value == "1" || value == "on" || value == "yes") return "true";
        if (value == "false" || value == "0" || value == "off" || value == "no") return "false";
        throw bad("is not true or false");
      case Type::integer: {
        long long x = 0;
        const auto r = std::from_chars(value.data(), value.data() + value.size(), x);
        if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size()) throw bad("is not an integer");
        if (static_cast<double>(x) < o.min || static_cast<double>(x) > o.max) throw bad("is out of range");
        return std::to_string(x);
      }
      case Type::real: {
        double x = 0;
        const auto r = std::from_chars(value.data(), value.data() + value.size(), x);
        if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || !std::isfinite(x)) throw bad("is not a number");
        if (x < o.min || x > o.max) throw bad("is out of range");
        return number_text(x);
      }
      case Type::text:
        if (value.size() > 4096) throw OptionError("--" + o.name + ": value longer than 4096 characters");
        return value;
      case Type::choice:
        for (const auto& c : o.choices)
          if (c == value) return value;
        throw bad("is not one of the choices");
    }
    return value;
  }

  static std::string printable(const std::string& v) {
    std::string s;
    for (char c : v.substr(0, 200)) s += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return v.size() > 200 ? s + "..." : s;
  }
  static std::string quote(const std::string& v) {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\"";
  }
  /// False for blank and comment lines.
  static bool parse_toml_line(const std::string& line, std::string& key, std::string& value, const std::string& where) {
    auto trim = [](std::string_view x) {
      const auto a = x.find_first_not_of(" \t\r"), b = x.find_last_not_of(" \t\r");
      return a == std::string_view::npos ? std::string() : std::string(x.substr(a, b - a + 1));
    };
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') return false;
    const auto eq = t.find('=');
    if (eq == std::string::npos) throw OptionError(where + "expected 'name = value', got '" + printable(line) + "'");
    key = trim(std::string_view(t).substr(0, eq));
    const std::string rest = trim(std::string_view(t).substr(eq + 1));
    if (key.empty()) throw OptionError(where + "no option name before '='");
    if (!rest.empty() && rest[0] == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\') {
          if (++i >= rest.size() || (rest[i] != '"' && rest[i] != '\\'))
            throw OptionError(where + key + ": only \\\" and \\\\ escapes are supported");
        }
        value += rest[i];
      }
      if (i >= rest.size()) throw OptionError(where + key + ": string without a closing quote");
      const std::string tail = trim(std::string_view(rest).substr(i + 1));
      if (!tail.empty() && tail[0] != '#') throw OptionError(where + key + ": unexpected text after the string: '" + printable(tail) + "'");
    } else {
      const auto hash = rest.find('#');
      value = trim(std::string_view(rest).substr(0, hash));
      if (value.empty()) throw OptionError(where + key + ": no value after '='");
    }
    return true;
  }

  std::vector<Option> options_;
  std::string group_;
};

}  // namespace nas
