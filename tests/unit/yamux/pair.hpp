// Test harness: two yamux Sessions (client and server) wired back to back with a virtual clock
// (quinn's Pair idea). pump() moves bytes both ways until neither side has output, advancing the clock by
// `latency` per hop, drains events, and optionally reads everything readable and writes queued data.
#pragma once

#include "lp2p/codec/yamux/session.hpp"

#include <map>
#include <string>
#include <vector>

namespace yamux_test {

using namespace lp2p;
using namespace lp2p::yamux;
using namespace std::chrono_literals;

inline Time t0() { return Time{} + std::chrono::hours(1); }

inline Bytes frame(FrameType type, std::uint16_t fl, StreamId id, std::uint32_t length, BytesView body = {}) {
  Bytes out;
  encode_header(Header{0, type, fl, id, length}, out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

inline Config quiet_config() {
  Config c;
  c.keepalive_interval = Duration::zero();
  return c;
}

struct Side {
  Session s;
  std::vector<Event> events;
  std::map<StreamId, Bytes> received;  // everything read per stream
  std::map<StreamId, bool> eof;        // read() returned end_of_stream
  struct Outgoing {
    Bytes data;
    std::size_t offset = 0;
    bool fin_after = false;
  };
  std::map<StreamId, Outgoing> outgoing;
  bool auto_read = true;
  std::size_t read_chunk = 64 * 1024;

  Side(Role r, Config c, Time now) : s(r, c, now) {}

  template <class T>
  std::vector<T> all() const {
    std::vector<T> v;
    for (const auto& e : events)
      if (auto* p = std::get_if<T>(&e)) v.push_back(*p);
    return v;
  }
  template <class T>
  std::size_t count() const { return all<T>().size(); }
  std::optional<error_code> failure() const {
    for (const auto& e : events)
      if (auto* f = std::get_if<Failed>(&e)) return f->ec;
    return std::nullopt;
  }

  void read_all(StreamId id, Time now) {
    Bytes buf(read_chunk);
    for (;;) {
      auto r = s.read(id, buf, now);
      if (!r) {
        if (r.error() == error::end_of_stream) eof[id] = true;
        return;
      }
      if (*r == 0) return;
      auto& dst = received[id];
      dst.insert(dst.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
  }

  void drain(Time now) {
    while (auto e = s.poll_event()) {
      events.push_back(*e);
      if (!auto_read) continue;
      if (auto* r = std::get_if<Readable>(&*e)) read_all(r->id, now);
      if (auto* f = std::get_if<RemoteFin>(&*e)) {
        read_all(f->id, now);
        eof[f->id] = true;  // the stream may already be freed (both FINs, nothing buffered)
      }
    }
  }

  /// Writes queued outgoing data as far as windows allow; returns whether anything was written.
  bool push_writes() {
    bool any = false;
    for (auto it = outgoing.begin(); it != outgoing.end();) {
      auto& o = it->second;
      if (o.offset < o.data.size()) {
        auto r = s.write(it->first, BytesView(o.data).subspan(o.offset));
        if (!r) { it = outgoing.erase(it); continue; }
        o.offset += *r;
        any |= *r > 0;
      }
      if (o.offset == o.data.size()) {
        if (o.fin_after) (void)s.close_write(it->first);
        any = true;
        it = outgoing.erase(it);
      } else {
        ++it;
      }
    }
    return any;
  }
};

struct Pair {
  Time now = t0();
  Duration latency = Duration::zero();
  Side client;
  Side server;
  std::size_t bytes_moved = 0;

  explicit Pair(Config cc = quiet_config(), Config sc = quiet_config())
      : client(Role::client, cc, t0()), server(Role::server, sc, t0()) {}

  /// Moves one batch of pending output from `from` to `to`.
  bool transfer(Side& from, Side& to) {
    BytesView out = from.s.pending_output();
    if (out.empty()) return false;
    Bytes copy(out.begin(), out.end());
    from.s.output_written(copy.size());
    bytes_moved += copy.size();
    now += latency;
    to.s.on_bytes(now, copy);
    return true;
  }

  void pump(int max_rounds = 1000000) {
    client.drain(now);
    server.drain(now);
    for (int i = 0; i < max_rounds; ++i) {
      bool moved = client.push_writes();
      moved |= server.push_writes();
      moved |= transfer(client, server);
      server.drain(now);
      moved |= transfer(server, client);
      client.drain(now);
      if (!moved) return;
    }
  }
};

}  // namespace yamux_test
