// nas::OptionSet: options declared once over a struct, set from text, written and read as TOML.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "nas/study/option_set.hpp"

namespace {
enum class Colour { red, green };
std::string_view colour_name(Colour c) { return c == Colour::red ? "red" : "green"; }
Colour parse_colour(std::string_view s) {
  if (s == "red") return Colour::red;
  if (s == "green") return Colour::green;
  throw nas::OptionError("bad colour");
}

struct Settings {
  int count = 3;
  std::size_t size = 10;
  double rate = 0.1;
  bool fast = false;
  std::string name = "a b";
  std::string mode = "x";
  Colour colour = Colour::red;
};

void declare(nas::OptionSet& s, Settings& v) {
  s.group("numbers");
  s.integer("count", v.count, "a count", 1, 100);
  s.integer("size", v.size, "a size", 0, 1'000'000);
  s.real("rate", v.rate, "a rate", 0, 1);
  s.group("other");
  s.flag("fast", v.fast, "go fast");
  s.text("name", v.name, "a name").neutral();
  s.choice("mode", v.mode, "a mode", {"x", "y"});
  s.enumeration("colour", v.colour, "a colour", {Colour::red, Colour::green}, colour_name, parse_colour).alias("color");
}

std::string temp_file(const std::string& text) {
  char name[] = "/tmp/nas_options_XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  std::ofstream(name) << text;
  return name;
}
}  // namespace

TEST_CASE("OptionSet: defaults are the struct's, set() checks type, range and choices and names the option", "[options]") {
  Settings v;
  nas::OptionSet s;
  declare(s, v);
  CHECK(s.find("count")->default_text == "3");
  CHECK(s.value("rate") == "0.1");
  s.set("count", "7");
  s.set("rate", "0.25");
  s.set("fast", "true");
  s.set("mode", "y");
  s.set("color", "green");  // an alias
  CHECK(v.count == 7);
  CHECK(v.rate == 0.25);
  CHECK(v.fast);
  CHECK(v.mode == "y");
  CHECK(v.colour == Colour::green);
  CHECK(s.given("colour"));
  CHECK_FALSE(s.given("size"));
  CHECK_THROWS_WITH(s.set("count", "0"), Catch::Contains("--count: '0' is out of range; expected INT in [1, 100]"));
  CHECK_THROWS_WITH(s.set("count", "7x"), Catch::Contains("--count: '7x' is not an integer"));
  CHECK_THROWS_WITH(s.set("count", ""), Catch::Contains("is not an integer"));
  CHECK_THROWS_WITH(s.set("rate", "nan"), Catch::Contains("--rate: 'nan' is not a number"));
  CHECK_THROWS_WITH(s.set("rate", "2"), Catch::Contains("out of range; expected REAL in [0, 1]"));
  CHECK_THROWS_WITH(s.set("mode", "z"), Catch::Contains("--mode: 'z' is not one of the choices; expected x|y"));
  CHECK_THROWS_WITH(s.set("fast", "maybe"), Catch::Contains("--fast: 'maybe' is not true or false"));
  CHECK_THROWS_WITH(s.set("bogus", "1"), Catch::Contains("unknown option '--bogus'") && Catch::Contains("count"));
  CHECK(v.count == 7);  // a refused value changes nothing
  s.set_default("size", "99");  // not given: a dependent default applies
  s.set_default("count", "50");  // given: the user's value stays
  CHECK(v.size == 99);
  CHECK(v.count == 7);
  CHECK_FALSE(s.given("size"));
}

TEST_CASE("OptionSet: every option round-trips through TOML, files are checked line by line, the command line wins", "[options]") {
  Settings a;
  nas::OptionSet sa;
  declare(sa, a);
  sa.set("count", "42");
  sa.set("size", "123456");
  sa.set("rate", "0.3333333333333333");
  sa.set("fast", "true");
  sa.set("name", "quote \" and \\ backslash, comma");
  sa.set("mode", "y");
  sa.set("colour", "green");
  const std::string toml = sa.to_toml();
  CHECK(toml.find("# numbers") != std::string::npos);
  CHECK(sa.to_toml(true).find("name =") == std::string::npos);  // neutral: not in the results key

  Settings b;
  nas::OptionSet sb;
  declare(sb, b);
  sb.set("count", "9");  // the command line wins over the file
  const std::string path = temp_file(toml);
  sb.read_toml(path);
  CHECK(b.count == 9);
  CHECK(b.size == 123456);
  CHECK(b.rate == a.rate);
  CHECK(b.fast);
  CHECK(b.name == a.name);
  CHECK(b.mode == "y");
  CHECK(b.colour == Colour::green);
  CHECK(sb.typed("count"));
  CHECK_FALSE(sb.typed("size"));  // from the file
  CHECK(sb.given("size"));
  std::remove(path.c_str());

  Settings c;
  nas::OptionSet sc;
  declare(sc, c);
  const std::string bad = temp_file("# ok\ncount = 5\nrate = 7\n");
  CHECK_THROWS_WITH(sc.read_toml(bad), Catch::Contains(bad + ":3: --rate: '7' is out of range"));
  CHECK(c.count == 3);  // nothing applied from a bad file
  std::remove(bad.c_str());
  for (const char* text : {"count 5\n", "= 5\n", "name = \"open\n", "name = \"x\" tail\n", "bogus = 1\n", "count =\n"}) {
    const std::string p = temp_file(text);
    CHECK_THROWS_WITH(sc.read_toml(p), Catch::Contains(p + ":1:"));
    std::remove(p.c_str());
  }
  CHECK_THROWS_WITH(sc.read_toml("/nonexistent/x.toml"), Catch::Contains("/nonexistent/x.toml: cannot open config file"));
}
