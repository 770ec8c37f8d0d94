#include "lp2p/log.hpp"  // first: the header is self-contained

#include "support/check.hpp"
#include "support/log_capture.hpp"

#include <cstdlib>
#include <regex>
#include <thread>

using namespace lp2p;

TEST_CASE("log line format", "[log]") {
  test::LogCapture cap(log::Level::info);
  const int port = 4001;
  LP2P_LOG(info, "tcp") << "dial 1.2.3.4" << log::kv("port", port);
  LP2P_LOG(error, "yamux") << "boom";
  const auto lines = cap.lines();
  REQUIRE(lines.size() == 2);
  INFO(lines[0]);
  CHECK(std::regex_match(lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  tcp: dial 1\.2\.3\.4 port=4001)")));
  CHECK(std::regex_match(lines[1], std::regex(R"(\S+Z ERROR yamux: boom)")));
}

TEST_CASE("log: disabled levels format nothing", "[log]") {
  test::LogCapture cap(log::Level::info);
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return 1;
  };
  LP2P_LOG(debug, "x") << expensive();
  LP2P_LOG(trace, "x") << expensive();
  CHECK(evaluated == 0);
  CHECK(cap.lines().empty());
  LP2P_LOG(warn, "x") << expensive();
  CHECK(evaluated == 1);
  CHECK(cap.lines().size() == 1);

  log::set_level(log::Level::off);
  LP2P_LOG(error, "x") << expensive();
  CHECK(evaluated == 1);
  CHECK_FALSE(log::enabled(log::Level::error));
}

TEST_CASE("log: threshold levels", "[log]") {
  test::LogCapture cap(log::Level::warn);
  CHECK(log::level() == log::Level::warn);
  CHECK(log::enabled(log::Level::error));
  CHECK(log::enabled(log::Level::warn));
  CHECK_FALSE(log::enabled(log::Level::info));
  log::set_level(log::Level::trace);
  CHECK(log::enabled(log::Level::trace));
  CHECK_FALSE(log::enabled(log::Level::off));
}

TEST_CASE("log: macro is one statement inside unbraced if/else", "[log]") {
  test::LogCapture cap(log::Level::info);
  bool else_taken = false;
  for (int i = 0; i < 2; ++i) {
    if (i == 0)
      LP2P_LOG(info, "m") << "then";
    else
      else_taken = true;
  }
  CHECK(else_taken);
  CHECK(cap.lines().size() == 1);
}

TEST_CASE("log: parse_level", "[log]") {
  struct V { const char* text; bool ok; log::Level level; };
  const V vs[] = {{"off", true, log::Level::off},     {"error", true, log::Level::error},
                  {"WARN", true, log::Level::warn},   {"warning", true, log::Level::warn},
                  {"Info", true, log::Level::info},   {"debug", true, log::Level::debug},
                  {"trace", true, log::Level::trace}, {"verbose", false, log::Level::info},
                  {"", false, log::Level::info}};
  for (const auto& v : vs) {
    INFO(v.text);
    log::Level l = log::Level::info;
    CHECK(log::parse_level(v.text, l) == v.ok);
    CHECK(l == v.level);
  }
  CHECK(log::level_name(log::Level::warn) == "WARN");
}

TEST_CASE("log: threshold from LP2P_LOG", "[log]") {
  test::LogCapture cap(log::Level::info);  // restores the level afterwards
  ::setenv("LP2P_LOG", "trace", 1);
  log::detail::threshold.store(-1);
  CHECK(log::level() == log::Level::trace);
  ::setenv("LP2P_LOG", "nonsense", 1);
  log::detail::threshold.store(-1);
  CHECK(log::level() == log::Level::info);
  ::unsetenv("LP2P_LOG");
  log::detail::threshold.store(-1);
  CHECK(log::level() == log::Level::info);
}

TEST_CASE("log: lines from many threads never interleave", "[log]") {
  test::LogCapture cap(log::Level::info);
  constexpr int threads = 4, per_thread = 200;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i) LP2P_LOG(info, "mt") << "thread " << t << " line " << i << " end";
    });
  for (auto& t : ts) t.join();
  const auto lines = cap.lines();
  REQUIRE(lines.size() == threads * per_thread);
  const std::regex shape(R"(\S+Z INFO  mt: thread \d line \d+ end)");
  for (const auto& l : lines) REQUIRE(std::regex_match(l, shape));
}

TEST_CASE("log: set_sink returns the previous sink; empty restores stderr", "[log]") {
  int a = 0, b = 0;
  auto old = log::set_sink([&](log::Level, std::string_view) { ++a; });
  auto level = log::level();
  log::set_level(log::Level::info);
  LP2P_LOG(info, "s") << "1";
  auto prev = log::set_sink([&](log::Level, std::string_view) { ++b; });
  CHECK(prev);
  LP2P_LOG(info, "s") << "2";
  log::set_sink(std::move(old));
  log::set_level(level);
  CHECK(a == 1);
  CHECK(b == 1);
}
