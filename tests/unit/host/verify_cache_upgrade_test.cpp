// The Host's cache of verified Noise identity payloads reaches the handshake through UpgradeParams: a
// second upgrade between the same two static keys skips the signature check on both sides.
#include "host/muxed_connection.hpp"
#include "lp2p/codec/noise/verified_identity_cache.hpp"
#include "lp2p/io/memory_pipe.hpp"
#include "support/check.hpp"
#include "support/run_coro.hpp"
#include "support/upgrade_both.hpp"
#include "transport/upgrader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

using namespace lp2p;
namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

TEST_CASE("upgrades share the verified-identity cache through UpgradeParams", "[host][upgrade][verify_cache]") {
  asio::io_context ioc;
  const auto ka = Keypair::from_secret_key_seed(1);
  const auto kb = Keypair::from_secret_key_seed(2);
  transport::UpgradeParams pa{&ka, transport::UpgradeRole::initiator, kb.public_key().peer_id(), {}};
  transport::UpgradeParams pb{&kb, transport::UpgradeRole::responder, std::nullopt, {}};
  pa.noise_static = noise::SignedStaticKey::generate(ka);
  pb.noise_static = noise::SignedStaticKey::generate(kb);
  pa.verified_identities = std::make_shared<noise::VerifiedIdentityCache>(8);
  pb.verified_identities = std::make_shared<noise::VerifiedIdentityCache>(8);
  for (std::uint64_t round = 0; round < 3; ++round) {
    INFO("round " << round);
    auto [a, b] = io::make_memory_pipe(ioc.get_executor(), io::MemoryPipeOptions{64, 64 * 1024, std::nullopt});
    bool ok = false;
    run_coro(ioc, [&, a = std::move(a), b = std::move(b)]() mutable -> asio::awaitable<void> {
      auto both = co_await test::upgrade_both(std::move(a), pa, std::move(b), pb);  // the dialer's muxer runs
      auto& ua = std::get<0>(both);
      auto& ub = std::get<1>(both);
      REQUIRE_OK(ua);
      REQUIRE_OK(ub);
      ok = ua->remote_peer == kb.public_key().peer_id() && ub->remote_peer == ka.public_key().peer_id();
      asio::co_spawn(ioc, ub->mux->run(), asio::detached);
      ua->mux->close();
      ub->mux->close();
    }(), std::chrono::seconds(30));
    CHECK(ok);
    CHECK(pa.verified_identities->stats().misses == 1);
    CHECK(pa.verified_identities->stats().hits == round);
    CHECK(pb.verified_identities->stats().misses == 1);
    CHECK(pb.verified_identities->stats().hits == round);
  }
}
