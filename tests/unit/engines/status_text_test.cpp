#include "lp2p/codec/relay/status_text.hpp"

#include "support/check.hpp"

#include <algorithm>
#include <string>

using namespace lp2p::relay;

TEST_CASE("explain_status: one sentence per status, naming it", "[relay][status]") {
  const Status all[] = {Status::unused,           Status::ok,
                        Status::reservation_refused, Status::resource_limit_exceeded,
                        Status::permission_denied, Status::connection_failed,
                        Status::malformed_message, Status::unexpected_message};
  for (Status s : all) {
    const std::string text(explain_status(s));
    INFO(text);
    CHECK(text.rfind(std::string(to_string(s)), 0) == 0);  // starts with the spec's name
    CHECK(text.back() == '.');
    CHECK(text.find('\n') == std::string::npos);
  }
  const std::string unknown(explain_status(static_cast<Status>(777)));
  CHECK(unknown.find("unknown relay status") == 0);
}

TEST_CASE("explain_status: NO_RESERVATION lists the causes and what to check", "[relay][status]") {
  const std::string text(explain_status(Status::no_reservation));
  INFO(text);
  CHECK(text.rfind("NO_RESERVATION", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') >= 7);
  for (const char* needle : {"never reserved", "expired", "connection to the relay died", "NAT",
                             "tens of seconds", "relay restarted", "wrong PeerId", "What to check"}) {
    INFO(needle);
    CHECK(text.find(needle) != std::string::npos);
  }
}
