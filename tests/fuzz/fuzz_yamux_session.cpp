// Fuzz target: a server yamux Session fed untrusted bytes in chunks, interleaved with application commands
// derived from the input. Invariants: no crash, pending output bounded (the peer cannot make it grow
// without limit), stream count and per-stream buffers within their limits. Then the concatenated peer bytes
// are fed to two fresh sessions, whole and byte at a time: events and output must be identical.
//
// Input language, one op byte at a time (op % 8):
//   0-3 feed: next byte = length L (0..255), then L raw bytes go to on_bytes
//   4 open_stream        5 write: next byte picks a stream, the one after gives the size (×97 bytes)
//   6 read: next byte picks a stream; a read that finds nothing arms the stream (arm_read) with a span of
//     1 + (op >> 3) × 257 bytes, which the next read of any stream may collect
//   7 misc: next byte: bit0 close_write/reset, bits1-7 time step (s), then on_timeout, a ping or go_away,
//     and output_written of part of the output; bit2 first gives up an armed read (disarm_read)
#include "lp2p/codec/yamux/session.hpp"

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace lp2p;
using namespace lp2p::yamux;

Config fuzz_config() {
  Config c;
  c.max_streams = 16;
  c.max_ack_backlog = 8;
  c.max_pending_output = 64 * 1024;
  c.max_control_backlog = 4 * 1024;
  c.max_frame_body = 300 * 1024;
  c.connection_window_budget = 2 * 1024 * 1024;
  c.max_stream_window = 1024 * 1024;
  return c;
}

std::string describe(const Event& e) {
  struct V {
    std::string operator()(const StreamOpened& x) const { return "open" + std::to_string(x.id); }
    std::string operator()(const Readable& x) const { return "readable" + std::to_string(x.id); }
    std::string operator()(const Writable& x) const { return "writable" + std::to_string(x.id); }
    std::string operator()(const RemoteFin& x) const { return "fin" + std::to_string(x.id); }
    std::string operator()(const StreamReset& x) const { return "reset" + std::to_string(x.id); }
    std::string operator()(const StreamClosed& x) const { return "closed" + std::to_string(x.id); }
    std::string operator()(const GoAwayReceived& x) const {
      return "goaway" + std::to_string(static_cast<std::uint32_t>(x.code));
    }
    std::string operator()(const PingRtt&) const { return "rtt"; }
    std::string operator()(const Failed& x) const { return "failed" + std::to_string(x.ec.value()); }
  };
  return std::visit(V{}, e);
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Config cfg = fuzz_config();
  Time now = Time{} + std::chrono::hours(1);
  Session s(Role::server, cfg, now);
  std::vector<StreamId> ids;
  Bytes fed;  // every byte given to on_bytes, for the replay check
  Bytes buf(128 * 1024);
  Bytes armed(8 * 1024);  // shared by every armed stream: bytes may mix, memory must stay in bounds
  std::size_t local_cmds = 1;  // local frames since the output was last fully drained (initial ping)
  std::size_t i = 0;
  auto next = [&]() -> std::uint8_t { return i < size ? data[i++] : 0; };
  auto pick = [&]() -> StreamId {
    const std::uint8_t b = next();
    if (ids.empty() || b == 255) return b;  // sometimes an unknown id
    return ids[b % ids.size()];
  };

  while (i < size) {
    const std::uint8_t op = next();
    switch (op % 8) {
      case 0: case 1: case 2: case 3: {
        std::size_t len = next();
        len = std::min(len, size - i);
        lp2p::BytesView chunk(data + i, len);
        i += len;
        fed.insert(fed.end(), chunk.begin(), chunk.end());
        s.on_bytes(now, chunk);
        break;
      }
      case 4:
        if (auto id = s.open_stream(now)) ids.push_back(*id);
        ++local_cmds;
        break;
      case 5: {
        const StreamId id = pick();
        const std::size_t n = std::size_t{next()} * 97;
        Bytes payload(n, static_cast<std::uint8_t>(op));
        (void)s.write(id, payload);
        break;
      }
      case 6: {
        const StreamId id = pick();
        auto r = s.read(id, buf, now);
        if (r && *r == 0) (void)s.arm_read(id, std::span<std::uint8_t>(armed).first(1 + (op >> 3) * 257));
        ++local_cmds;
        break;
      }
      case 7: {
        const std::uint8_t b = next();
        const StreamId id = pick();
        if (b & 4) s.disarm_read(id);
        if (b & 1) (void)s.close_write(id);
        else (void)s.reset(id);
        now += std::chrono::seconds(b >> 1);
        s.on_timeout(now);
        if (b & 0x80) (void)s.ping(now);
        if ((b & 0xc0) == 0x40) s.go_away(GoAwayCode::normal);
        local_cmds += 2;
        const std::size_t out = s.pending_output().size();
        const std::size_t written = (b & 2) ? out : out / 2;
        s.output_written(written);
        if (written == out) local_cmds = 0;
        break;
      }
    }
    while (auto e = s.poll_event()) {
      if (auto* o = std::get_if<StreamOpened>(&*e)) ids.push_back(o->id);
      if (auto* c = std::get_if<StreamClosed>(&*e)) std::erase(ids, c->id);
      if (std::holds_alternative<Failed>(*e)) ids.clear();
    }
    check(s.pending_output().size() <=
          cfg.max_pending_output + cfg.max_control_backlog + header_size + 64 * local_cmds);
    check(s.stream_count() <= cfg.max_streams);
    check(s.ack_backlog() <= cfg.max_ack_backlog);
    for (StreamId id : ids) {
      if (auto info = s.stream_info(id)) {
        check(info->buffered <= info->max_receive_window);
        check(info->max_receive_window <= cfg.max_stream_window);
      }
    }
    if (ids.size() > 4 * cfg.max_streams) ids.erase(ids.begin(), ids.begin() + cfg.max_streams);
  }

  // Replay: chunking must not change anything (no reads, so Readable fires once per stream either way).
  Session whole(Role::server, cfg, now);
  Session bytewise(Role::server, cfg, now);
  whole.on_bytes(now, fed);
  for (std::size_t k = 0; k < fed.size(); ++k) bytewise.on_bytes(now, lp2p::BytesView(fed).subspan(k, 1));
  std::vector<std::string> ev1, ev2;
  while (auto e = whole.poll_event()) ev1.push_back(describe(*e));
  while (auto e = bytewise.poll_event()) ev2.push_back(describe(*e));
  check(ev1 == ev2);
  const auto o1 = whole.pending_output();
  const auto o2 = bytewise.pending_output();
  check(o1.size() == o2.size() && std::equal(o1.begin(), o1.end(), o2.begin()));
  return 0;
}
