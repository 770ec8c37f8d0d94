#include "protocol/spray_service.hpp"

#include "lp2p/codec/dcutr/attempt_policy.hpp"
#include "lp2p/codec/dcutr/spray_budget.hpp"
#include "lp2p/codec/dcutr/spray_plan.hpp"
#include "lp2p/codec/dcutr/spray_selector.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/log.hpp"
#include "protocol/builtin.hpp"
#include "transport/fd_limit.hpp"
#include "transport/tcp_spray.hpp"

#include <boost/asio/steady_timer.hpp>

namespace lp2p::protocol {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* log_module = "spray";
// Descriptors kept free for the host (listeners, connections, logs) when a round sizes itself against
// what the process really has open.
constexpr std::size_t fd_margin = 64;

spray::SprayConfig spray_config(const HostConfig::Dcutr::Spray& s) {
  spray::SprayConfig c;
  c.enabled = s.enabled;
  c.sockets = s.k;
  c.guesses = s.m;
  c.max_rounds = s.max_rounds;
  c.round_timeout = s.round_timeout;
  return c;
}

asio::awaitable<bool> upgrade_chosen(Host* host, std::unique_ptr<io::TcpStream> s, bool initiator, PeerId peer,
                                     std::shared_ptr<std::optional<ConnectionInfo>> out) {
  auto r = co_await host->upgrade_socket(std::move(s), initiator, peer);
  if (!r) co_return false;
  *out = *r;
  co_return true;
}

}  // namespace

struct SprayService::Impl : std::enable_shared_from_this<SprayService::Impl> {
  Host* host;
  HostConfig::Dcutr cfg;
  spray::SprayConfig scfg;
  spray::SprayBudget budget;
  Callbacks cb;

  Impl(Host& h, const HostConfig::Dcutr& c, Callbacks callbacks, std::size_t fd_limit)
      : host(&h), cfg(c), scfg(spray_config(c.spray)),
        budget(spray::BudgetConfig{c.spray.rounds_per_window, c.spray.window, c.spray.max_concurrent, fd_limit, 1024}),
        cb(std::move(callbacks)) {}

  std::uint16_t listen_port() const {
    for (const auto& a : host->listen_addrs())
      for (const auto& c : a.components())
        if (c.protocol == Protocol::tcp) return static_cast<std::uint16_t>(std::stoul(c.value_text()));
    return 0;
  }

  spray::MappingReport classify() const {
    std::vector<dcutr::Observation> obs;
    for (const auto& o : host->observations()) obs.push_back({o.observer, o.observed, o.local_port});
    auto listen = host->listen_addrs();
    return spray::classify_mapping(obs, listen, /*standard_punch_failed=*/false);
  }

  spray::SprayOffer our_offer() {
    const auto report = classify();
    auto candidates = cb.candidates ? cb.candidates() : std::vector<Multiaddr>{};
    const auto fds = budget.fds_available();
    auto offer = spray::make_offer(report, candidates, scfg, fds);
    if (scfg.enabled && (offer.max_sockets < scfg.sockets || offer.max_guesses < scfg.guesses))
      LP2P_LOG(warn, log_module) << "only " << fds << " file descriptors are available for sprays: offering K="
                                 << offer.max_sockets << " (configured " << scfg.sockets << "), M=" << offer.max_guesses
                                 << " (configured " << scfg.guesses << ")";
    LP2P_LOG(info, log_module) << "our mapping: " << spray::to_string(report.kind) << ": " << report.explanation;
    return offer;
  }

  asio::awaitable<result<void>> send(Stream& s, const spray::SprayMessage& m) {
    auto body = spray::encode(m);
    if (!body) co_return body.error();
    co_return co_await write_frame(s, *body);
  }

  asio::awaitable<result<spray::SprayMessage>> receive(Stream& s) {
    auto body = co_await read_frame(s, spray::max_message_size);
    if (!body) co_return body.error();
    co_return spray::decode(*body);
  }

  asio::awaitable<void> abort(Stream& s, spray::NoPlanReason reason, std::string detail) {
    spray::SprayAbort a;
    a.reason = reason;
    a.detail = std::move(detail);
    (void)co_await send(s, a);
  }

  /// One round with our part of `plan`. Returns the direct connection if the round gave one.
  asio::awaitable<std::optional<ConnectionInfo>> run_round(const spray::SprayPlan& plan, unsigned round,
                                                           const PeerId& peer) {
    transport::SprayRoundParams p;
    p.role = plan.we;
    p.round_timeout = plan.round_timeout;
    error_code ec;
    if (plan.part == spray::SprayPart::sprayer) {
      const auto ip = asio::ip::make_address_v4(plan.target_ip, ec);
      if (ec) co_return std::nullopt;
      p.targets.assign(plan.sockets, transport::tcp::endpoint(ip, plan.target_port));
    } else {
      const auto ip = asio::ip::make_address_v4(plan.guess_ip, ec);
      if (ec) co_return std::nullopt;
      const auto lp = listen_port();
      if (lp == 0) {
        LP2P_LOG(warn, log_module) << "cannot guess: we have no listening port to spray from";
        co_return std::nullopt;
      }
      p.bind = transport::tcp::endpoint(asio::ip::address_v4::any(), lp);
      for (const auto& r : plan.guess_ports)
        for (std::uint32_t port = r.first; port <= r.last && p.targets.size() < plan.guesses; ++port)
          p.targets.emplace_back(ip, static_cast<std::uint16_t>(port));
    }
    // What the process really has left (other sprays, connections): shrink rather than fail on EMFILE.
    std::string rl_line;
    const auto limit = transport::raise_fd_limit(&rl_line);
    const auto open = transport::open_fd_count();
    const std::size_t free_fds = limit > open + fd_margin ? limit - open - fd_margin : 0;
    if (p.targets.size() > free_fds) {
      LP2P_LOG(warn, log_module) << "round " << round << ": only " << free_fds << " file descriptors free (limit "
                                 << limit << ", " << open << " open): opening " << free_fds << " of "
                                 << p.targets.size() << " sockets";
      p.targets.resize(free_fds);
    }
    const auto n = p.targets.size();
    if (auto d = budget.reserve_fds(n); !d) {
      LP2P_LOG(warn, log_module) << "round " << round << " skipped: " << d.why;
      co_return std::nullopt;
    }
    auto direct = std::make_shared<std::optional<ConnectionInfo>>();
    Host* h = host;
    const bool initiator = plan.we == spray::Role::a;
    p.upgrade = [h, peer, initiator, direct](std::unique_ptr<io::TcpStream> s) {
      return upgrade_chosen(h, std::move(s), initiator, peer, direct);
    };
    LP2P_LOG(info, log_module) << "round " << round << " with " << peer.to_base58() << ": opening " << n << " sockets as "
                               << spray::to_string(plan.part)
                               << (p.bind ? " from our listening port " + std::to_string(p.bind->port())
                                          : std::string(" from fresh ephemeral ports"));
    auto res = co_await transport::run_spray_round(host->get_executor(), std::move(p));
    budget.release_fds(n);
    LP2P_LOG(info, log_module) << "round " << round << " with " << peer.to_base58() << " "
                               << (res.succeeded ? "succeeded" : "failed") << " after " << res.elapsed.count()
                               << " ms (first connection "
                               << (res.first_connect.count() >= 0 ? std::to_string(res.first_connect.count()) + " ms"
                                                                  : std::string("none"))
                               << "): " << spray::explain_round(plan, res.stats)
                               << (res.open_errors ? "; " + std::to_string(res.open_errors) +
                                                         " socket(s) could not be opened: " + res.first_open_error
                                                   : std::string());
    if (res.succeeded && *direct) co_return **direct;
    co_return std::nullopt;
  }

  asio::awaitable<Outcome> run_as_b(ConnectionInfo relayed) {
    auto self = shared_from_this();
    Outcome out;
    const auto start = Clock::now();
    std::vector<std::string> protocols{std::string(spray::protocol_id)};
    auto s = co_await host->open_stream_on(relayed.id, std::move(protocols));
    if (!s) {
      out.why = "the peer does not speak " + std::string(spray::protocol_id) + " (" + s.error().message() + ")";
      LP2P_LOG(info, log_module) << relayed.peer.to_base58() << ": " << out.why << "; standard DCUtR only";
      co_return out;
    }
    auto ours = our_offer();
    const auto t0 = Clock::now();
    if (auto w = co_await send(*s, ours); !w) {
      out.why = "sending our OFFER failed: " + w.error().message();
      co_return out;
    }
    auto m = co_await io::with_timeout(receive(*s), cfg.attempt_timeout);
    const auto t1 = Clock::now();
    if (!m) {
      out.why = "no OFFER from the peer: " + m.error().message();
      LP2P_LOG(info, log_module) << relayed.peer.to_base58() << ": " << out.why << "; standard DCUtR only";
      co_return out;
    }
    auto theirs = spray::expect_offer(*m);
    if (!theirs) {
      out.why = "the peer refused: " + theirs.error().message();
      LP2P_LOG(info, log_module) << relayed.peer.to_base58() << ": " << out.why << "; standard DCUtR only";
      co_return out;
    }
    const auto plan = spray::plan_spray(ours, *theirs, spray::Role::b, scfg);
    LP2P_LOG(info, log_module) << "with " << relayed.peer.to_base58() << ": " << spray::describe(plan);
    out.reason = plan.no_plan;
    if (!plan.ok()) {
      out.kind = Outcome::Kind::no_plan;
      out.why = plan.why;
      co_await abort(*s, plan.no_plan, plan.why);
      (void)co_await s->close_write();
      co_return out;
    }
    if (auto d = budget.begin_spray(relayed.peer, Clock::now()); !d) {
      out.kind = Outcome::Kind::no_plan;
      out.reason = spray::NoPlanReason::budget_denied;
      out.why = "spray refused by our budget: " + d.why;
      LP2P_LOG(warn, log_module) << out.why;
      co_await abort(*s, out.reason, out.why);
      (void)co_await s->close_write();
      co_return out;
    }
    const auto delay = dcutr::sync_dial_delay(t0, t1);
    out.kind = Outcome::Kind::failed;
    out.reason = spray::NoPlanReason::rounds_exhausted;
    for (std::uint32_t round = 1; round <= plan.rounds; ++round) {
      if (!host->connection(relayed.id)) {
        out.reason = spray::NoPlanReason::cancelled;
        out.why = "the relayed connection closed during the spray";
        break;
      }
      if (auto d = budget.begin_round(relayed.peer, Clock::now()); !d) {
        out.reason = spray::NoPlanReason::budget_denied;
        out.why = "no more rounds: " + d.why;
        break;
      }
      if (auto w = co_await send(*s, plan.sync(round)); !w) {
        out.reason = spray::NoPlanReason::other;
        out.why = "sending SYNC failed: " + w.error().message();
        break;
      }
      out.rounds = round;
      asio::steady_timer t(host->get_executor());
      t.expires_after(delay);
      co_await t.async_wait(use_nothrow);
      auto direct = co_await run_round(plan, round, relayed.peer);
      if (direct) {
        budget.end_spray(relayed.peer);
        (void)co_await s->close_write();
        out.kind = Outcome::Kind::direct;
        out.direct = direct;
        out.reason = spray::NoPlanReason::none;
        if (cb.succeeded) cb.succeeded(relayed, *direct, round, start);
        co_return out;
      }
    }
    budget.end_spray(relayed.peer);
    if (out.why.empty())
      out.why = "the spray ran " + std::to_string(out.rounds) + " round(s) of K=" + std::to_string(plan.sockets) +
                ", M=" + std::to_string(plan.guesses) + " without a direct connection";
    co_await abort(*s, out.reason, out.why);
    (void)co_await s->close_write();
    co_return out;
  }

  /// A: the peer (B) opened the spray stream on a relayed connection we dialed.
  asio::awaitable<void> respond(Stream s) {
    auto self = shared_from_this();
    const auto relayed = s.connection();
    if (!relayed.relayed || relayed.direction != Direction::outbound) {
      s.reset();  // roles as in DCUtR: only the side that dialed through the relay answers
      co_return;
    }
    const auto start = Clock::now();
    auto m = co_await io::with_timeout(receive(s), cfg.attempt_timeout);
    if (!m) co_return;
    auto theirs = spray::expect_offer(*m);
    if (!theirs) {
      LP2P_LOG(info, log_module) << "bad OFFER from " << relayed.peer.to_base58() << ": " << theirs.error().message();
      co_return;
    }
    auto ours = our_offer();
    if (!co_await send(s, ours)) co_return;
    const auto plan = spray::plan_spray(ours, *theirs, spray::Role::a, scfg);
    LP2P_LOG(info, log_module) << "with " << relayed.peer.to_base58() << ": " << spray::describe(plan);
    if (!plan.ok()) {
      // B computes the same plan and sends ABORT; wait for it, since ending the handler resets the stream
      // and could discard our OFFER before B read it.
      (void)co_await io::with_timeout(receive(s), cfg.attempt_timeout);
      co_return;
    }
    if (auto d = budget.begin_spray(relayed.peer, Clock::now()); !d) {
      LP2P_LOG(warn, log_module) << "spray with " << relayed.peer.to_base58() << " refused by our budget: " << d.why;
      co_await abort(s, spray::NoPlanReason::budget_denied, d.why);
      co_return;
    }
    // B's next SYNC comes once its round ended; ours ends about as late (same round timeout).
    const auto wait = plan.round_timeout + cfg.attempt_timeout + std::chrono::seconds(5);
    // One message per round (SYNC), then B's ABORT once its rounds are spent (or the stream just ends).
    for (std::uint32_t round = 1;; ++round) {
      auto msg = co_await io::with_timeout(receive(s), std::chrono::duration_cast<std::chrono::milliseconds>(wait));
      if (!msg) {
        LP2P_LOG(info, log_module) << "spray with " << relayed.peer.to_base58() << " ended: " << msg.error().message();
        break;
      }
      if (auto* a = std::get_if<spray::SprayAbort>(&*msg)) {
        LP2P_LOG(info, log_module) << relayed.peer.to_base58() << " ended the spray (" << spray::to_string(a->reason)
                                   << "): " << a->detail;
        break;
      }
      auto sync = spray::expect_sync(*msg, round);
      if (!sync || round > plan.rounds) {
        LP2P_LOG(info, log_module) << "bad SYNC from " << relayed.peer.to_base58() << ": "
                                   << (sync ? std::string("more rounds than planned") : sync.error().message());
        co_await abort(s, spray::NoPlanReason::plan_mismatch, "unexpected SYNC");
        break;
      }
      if (auto v = spray::verify_sync(*sync, plan); !v) {
        LP2P_LOG(warn, log_module) << "SYNC from " << relayed.peer.to_base58() << " does not match our plan";
        co_await abort(s, spray::NoPlanReason::plan_mismatch, "the SYNC does not match A's plan");
        break;
      }
      if (auto d = budget.begin_round(relayed.peer, Clock::now()); !d) {
        co_await abort(s, spray::NoPlanReason::budget_denied, d.why);
        break;
      }
      auto direct = co_await run_round(plan, round, relayed.peer);
      if (direct) {
        if (cb.succeeded) cb.succeeded(relayed, *direct, round, start);
        break;
      }
    }
    budget.end_spray(relayed.peer);
  }
};

std::shared_ptr<SprayService> SprayService::start(Host& host, const HostConfig::Dcutr& config, Callbacks callbacks) {
  std::string line;
  const auto limit = transport::raise_fd_limit(&line);
  const auto fd_limit = spray::fd_limit_from_rlimit(limit);
  LP2P_LOG(info, log_module) << line << "; sprays may hold up to " << fd_limit << " sockets at once (K="
                             << config.spray.k << ", M=" << config.spray.m << ", " << config.spray.max_rounds
                             << " round(s) of " << config.spray.round_timeout.count() << " ms)";
  auto svc = std::make_shared<SprayService>();
  svc->impl_ = std::make_shared<Impl>(host, config, std::move(callbacks), fd_limit);
  std::weak_ptr<Impl> weak = svc->impl_;
  host.set_handler(std::string(spray::protocol_id), [weak](Stream s) -> asio::awaitable<void> {
    if (auto impl = weak.lock()) co_await impl->respond(std::move(s));
  });
  return svc;
}

asio::awaitable<SprayService::Outcome> SprayService::run_as_b(ConnectionInfo relayed) {
  auto impl = impl_;
  co_return co_await impl->run_as_b(std::move(relayed));
}

}  // namespace lp2p::protocol
