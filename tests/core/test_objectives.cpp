// Objectives and constraints as users write them: parsed, or refused with the item and the form.
#include <catch2/catch.hpp>

#include <cmath>

#include "nas/core/objectives.hpp"

using namespace nas;

TEST_CASE("objectives: COL:max|min lists, and each bad form refused by name") {
  const auto o = parse_objectives("cifar10_test_200ep:max, params:min");
  REQUIRE(o.size() == 2);
  CHECK(o[0] == Objective{"cifar10_test_200ep", Direction::maximise});
  CHECK(o[1] == Objective{"params", Direction::minimise});
  CHECK_THROWS_WITH(parse_objectives("a:b:min"), Catch::Contains("direction 'b:min' of a is not max or min"));
  CHECK_THROWS_WITH(parse_objectives("top 1:max"), Catch::Contains("item 'top 1:max' is not COLUMN:max"));
  CHECK_THROWS_WITH(parse_objectives("acc:up"), Catch::Contains("direction 'up' of acc is not max or min"));
  CHECK_THROWS_WITH(parse_objectives("acc"), Catch::Contains("item 'acc' is not COLUMN:max or COLUMN:min"));
  CHECK_THROWS_WITH(parse_objectives("acc:max,"), Catch::Contains("item '' is not COLUMN:max"));
  CHECK_THROWS_WITH(parse_objectives(":max"), Catch::Contains("item ':max'"));
  CHECK_THROWS_WITH(parse_objectives("acc:max,acc:min"), Catch::Contains("acc is given twice"));
  CHECK_THROWS_WITH(parse_objectives(" "), Catch::Contains("--objectives is empty"));
}

TEST_CASE("constraints: four comparisons, finite bounds, malformed forms refused") {
  const auto c = parse_constraint("params<=1e6");
  CHECK(c.column == "params");
  CHECK(c.op == Constraint::Op::le);
  CHECK(c.bound == 1e6);
  CHECK(c.holds(1e6));
  CHECK_FALSE(c.holds(1e6 + 1));
  CHECK_FALSE(c.holds(std::nan("")));
  CHECK(c.text() == "params<=1e+06");  // the shortest form that reads back as the same double
  CHECK(parse_constraint("latency < 2.5").op == Constraint::Op::lt);
  CHECK(parse_constraint("acc>=90").holds(90));
  CHECK_FALSE(parse_constraint("acc>90").holds(90));
  CHECK(parse_constraint("acc > -1").bound == -1);
  for (const char* bad : {"params", "<=5", "params<=", "params<=1e6x", "params<=inf", "params=<5", "params<=nan"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_constraint(bad), OptionError);
  }
  CHECK_THROWS_WITH(parse_constraint("params=<5"), Catch::Contains("'params=' is not a column name") && Catch::Contains("e.g. params<=1e6"));
}
