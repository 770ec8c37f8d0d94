// lp2p-bench: the benchmark of issue #3 (a benchmark, not a test). scripts/bench.sh runs it next to the
// js-libp2p side (tests/interop/bench.mjs) and turns both outputs into one table; docs/benchmarks.md
// explains every number. Each measurement is one JSON object per line on stdout; progress goes to stderr.
//
//   lp2p-bench [--only crypto,framing,throughput,dial,rate,rate2,rate_floor,rtt] [--bytes B] [--repeat R] [--dials N]
//              [--conns N] [--concurrency 1,8,32] [--delay-ms D] [--rtt-dials N]
//   lp2p-bench proxy --target 127.0.0.1:PORT [--delay-ms D]
//
// Sections:
//  crypto      X25519 key generation and DH, Ed25519 sign and verify: libsodium (what lp2p uses) vs
//              OpenSSL 3, and lp2p's own X25519 key generation (Edwards fixed base + RFC 7748 map),
//              microseconds per call (best of 100 batches, robust to a loaded machine). And
//              nanoseconds per SHA-256 of 32, 64 and 128 bytes (Noise's HASH/HMAC inputs): OpenSSL's
//              low-level SHA256_CTX (what lp2p uses), EVP on one reused context, libsodium.
//  framing     ceilings without libp2p logic: memcpy; raw TCP loopback; ChaCha20-Poly1305 through lp2p's
//              noise::Encrypter/Decrypter (OpenSSL EVP) in memory; libsodium's ChaCha20-Poly1305 for the
//              record; and Encrypter -> TCP loopback -> Decrypter on two threads (no muxer): the ceiling
//              one lp2p stream is compared with.
//  throughput  lp2p <-> lp2p, two Hosts on two threads (one io_context each), one connection, one
//              /perf/1.0.0 stream per transfer: upload B bytes, then download B bytes, R times.
//              LP2P_BENCH_DIRECTION=up (or down) runs only that direction and skips the ceiling runs in
//              between, so that a profile (perf record) of the process holds nothing else.
//  dial        time from Host::dial to the first byte back on a new connection (one client Host that
//              closes each connection after its sample, so every dial makes a new one): dial, open a
//              /perf/1.0.0 stream, ask for one byte, half-close, read it. Median and p90 over N
//              connections after a warm-up. Lazy stream negotiation unless LP2P_BENCH_EAGER=1.
//  rate        the same, back to back: new connections per second, one stream each, with 1..K of them
//              in flight at once (one client Host per worker), and the process CPU time per connection
//              (both ends), and how busy the server thread and the client thread(s) were (CPU time of
//              each thread over the elapsed time: a thread below 100% waited for the other).
//  rate2       the same with the workers spread over two client threads (three threads on two cores):
//              one client thread cannot keep both cores busy (see bench_rate).
//  rate_floor  the same exchange over plain Asio TCP sockets (no Noise, no yamux): the kernel's and
//              Asio's share of a connection, the floor under the rate above.
//  rtt         the same exchange through a user-space proxy that delays every chunk by D ms in each
//              direction (this kernel has no netem): elapsed / (2 D) is the number of round trips after
//              the TCP handshake. The proxy's chunk log (time, direction, size) shows the flights.
//              Measured with lazy and with eager (default) stream negotiation.
//  proxy       only the delaying proxy, for measuring js-libp2p the same way.
//
// Environment: LP2P_BENCH_EAGER=1 uses eager stream negotiation (see dial); LP2P_BENCH_NO_VERIFY_CACHE=1
// sets HostConfig::noise_verify_cache = 0 on the server and every client, so each handshake verifies the
// peer's identity signature again (for measuring what the cache saves in dial and rate).
#include <cstdlib>
#include "bench_output.hpp"
#include <lp2p/codec/noise/transport_framing.hpp>
#include <lp2p/codec/noise/x25519.hpp>
#include <lp2p/codec/perf/header.hpp>
#include <lp2p/host/host.hpp>
#include <lp2p/log.hpp>
#include <lp2p/protocol/perf.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace boost::asio::experimental::awaitable_operators;
using namespace lp2p;
using Clock = std::chrono::steady_clock;

namespace {
using namespace lp2p::bench;  // seconds, millis, emit, fmt, progress (bench_output.hpp)

constexpr std::size_t mib = 1024 * 1024;

/// Keeps the compiler from dropping a computation whose result is unused.
void keep(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

struct Options {
  std::uint64_t bytes = 256 * mib;
  int repeat = 3;
  int dials = 200;
  int warmup = 10;
  int conns = 1000;
  std::vector<int> concurrency{1, 8, 32};
  int delay_ms = 25;
  int rtt_dials = 5;
  std::set<std::string> only;
  std::string target;  // proxy mode
  bool wants(const char* s) const { return only.empty() || only.count(s) != 0; }
};

// ---- framing: ceilings without libp2p logic ---------------------------------------------------------

/// Runs `step` (which processes `bytes_per_step` bytes) until at least `min_s` seconds pass; bytes/s.
template <class F>
double rate_of(F step, std::size_t bytes_per_step, double min_s = 0.5) {
  step();  // warm up caches and lazy initialisation
  std::uint64_t total = 0;
  const auto start = Clock::now();
  Clock::duration elapsed{};
  do {
    for (int i = 0; i < 16; ++i) step();
    total += 16 * bytes_per_step;
    elapsed = Clock::now() - start;
  } while (seconds(elapsed) < min_s);
  return static_cast<double>(total) / seconds(elapsed);
}

noise::Key bench_key() {
  noise::Key k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return k;
}

// One write of the yamux driver hands NoiseStream up to 1 MiB; 4 full Noise frames is a typical batch.
constexpr std::size_t noise_batch = 4 * noise::max_plaintext_size;

int tcp_listener(unsigned short& port) {
  int l = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 4) != 0)
    throw std::runtime_error("listen failed");
  socklen_t len = sizeof a;
  ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return l;
}

int tcp_connect(unsigned short port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return s;
}

void write_fully(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    auto w = ::write(fd, p, n);
    if (w <= 0) throw std::runtime_error("write failed");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

/// One-way transfer over TCP loopback, writer and reader on two threads. `produce()` returns the next
/// wire chunk (empty: done); the reader reads into `space()` and reports each read with `consume(n)`.
/// Returns the seconds from connect to the reader's EOF.
template <class Produce, class Space, class Consume>
double tcp_transfer(Produce produce, Space space, Consume consume) {
  unsigned short port = 0;
  int l = tcp_listener(port);
  std::thread reader([&] {
    int s = ::accept(l, nullptr, nullptr);
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (;;) {
      std::span<std::uint8_t> into = space();
      auto r = ::read(s, into.data(), into.size());
      if (r <= 0) break;
      consume(static_cast<std::size_t>(r));
    }
    ::close(s);
  });
  const auto start = Clock::now();
  int s = tcp_connect(port);
  for (;;) {
    auto chunk = produce();
    if (chunk.empty()) break;
    write_fully(s, chunk.data(), chunk.size());
  }
  ::shutdown(s, SHUT_WR);
  reader.join();
  const double secs = seconds(Clock::now() - start);
  ::close(s);
  ::close(l);
  return secs;
}

/// Encrypter -> TCP loopback -> Decrypter, writer and reader on two threads, no muxer: the Noise-framing
/// ceiling one lp2p stream is compared with. The reader reads straight into the Decrypter's buffer and
/// decrypts in place, as lp2p's NoiseStream does; the writer encrypts 4-frame batches, as the yamux
/// driver hands NoiseStream up to 1 MiB at a time.
void noise_tcp(std::uint64_t bytes) {
  std::vector<std::uint8_t> plain(noise_batch, 0x5a);
  noise::Encrypter enc{noise::CipherState(bench_key())};
  noise::Decrypter dec{noise::CipherState(bench_key())};
  std::vector<std::uint8_t> wire(enc.encrypted_size(plain.size()));
  std::uint64_t left = bytes, got = 0;
  const double secs = tcp_transfer(
      [&]() -> BytesView {
        const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(left, plain.size()));
        if (k == 0) return {};
        left -= k;
        auto w = enc.encrypt_into(BytesView(plain.data(), k), wire);
        return BytesView(wire.data(), *w);
      },
      [&] { return dec.prepare(std::max<std::size_t>(dec.bytes_needed(), 64 * 1024)); },
      [&](std::size_t k) {
        dec.commit(k);
        for (;;) {
          auto v = dec.next_plaintext_view();
          if (!v) throw std::runtime_error("decrypt failed");
          if (!*v) break;
          got += (*v)->size();
        }
      });
  if (got != bytes) throw std::runtime_error("noise over tcp lost bytes");
  emit(fmt(R"({"bench":"noise_tcp","impl":"openssl","bytes":%llu,"seconds":%.6f,"mib_s":%.1f})",
           static_cast<unsigned long long>(bytes), secs, static_cast<double>(bytes) / secs / mib));
}

void bench_framing(const Options& o) {
  progress("framing ceilings");
  // memcpy at the sizes lp2p copies (16 KiB yamux frames, 64 KiB reads) and above: glibc switches to
  // `rep movsb` in between, which is very slow on some CPUs/hypervisors (see docs/benchmarks.md).
  for (const std::size_t n : {std::size_t{16 * 1024}, std::size_t{64 * 1024}, std::size_t{1024 * 1024}}) {
    std::vector<std::uint8_t> a(n, 1), b(n);
    const double r = rate_of([&] { std::memcpy(b.data(), a.data(), n); keep(b.data()); }, n, 0.2);
    emit(fmt(R"({"bench":"memcpy","chunk":%zu,"mib_s":%.1f})", n, r / mib));
  }

  // Noise transport framing through lp2p's sans-IO Encrypter/Decrypter (OpenSSL EVP ChaCha20-Poly1305).
  std::vector<std::uint8_t> plain(noise_batch, 0x5a);
  {
    noise::Encrypter enc{noise::CipherState(bench_key())};
    std::vector<std::uint8_t> wire(enc.encrypted_size(plain.size()));
    const double r = rate_of([&] { (void)enc.encrypt_into(plain, wire); keep(wire.data()); }, plain.size());
    emit(fmt(R"({"bench":"noise_encrypt","impl":"openssl","mib_s":%.1f})", r / mib));
  }
  {
    // Decrypt-only: 64 MiB encrypted in advance (nonces must follow each other), fed as a socket read
    // would be (copied into the Decrypter's buffer), decrypted in place.
    const std::size_t batches = 64 * mib / plain.size();
    noise::Encrypter enc{noise::CipherState(bench_key())};
    std::vector<std::uint8_t> wire(enc.encrypted_size(plain.size()) * batches);
    const std::size_t per = enc.encrypted_size(plain.size());
    for (std::size_t i = 0; i < batches; ++i)
      (void)enc.encrypt_into(plain, std::span<std::uint8_t>(wire).subspan(i * per, per));
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
      noise::Decrypter dec{noise::CipherState(bench_key())};
      std::uint64_t got = 0;
      const auto start = Clock::now();
      for (std::size_t off = 0; off < wire.size(); off += 64 * 1024) {
        const std::size_t k = std::min<std::size_t>(64 * 1024, wire.size() - off);
        auto space = dec.prepare(k);
        std::memcpy(space.data(), wire.data() + off, k);
        dec.commit(k);
        for (;;) {
          auto v = dec.next_plaintext_view();
          if (!v) throw std::runtime_error("decrypt failed");
          if (!*v) break;
          got += (*v)->size();
          keep((*v)->data());
        }
      }
      if (got != batches * plain.size()) throw std::runtime_error("decrypt lost bytes");
      best = std::max(best, static_cast<double>(got) / seconds(Clock::now() - start));
    }
    emit(fmt(R"({"bench":"noise_decrypt","impl":"openssl","mib_s":%.1f})", best / mib));
  }
  {
    // Encrypt then decrypt on one core: what one core can do for both ends.
    noise::Encrypter enc{noise::CipherState(bench_key())};
    noise::Decrypter dec{noise::CipherState(bench_key())};
    std::vector<std::uint8_t> wire(enc.encrypted_size(plain.size()));
    const double r = rate_of(
        [&] {
          auto w = enc.encrypt_into(plain, wire);
          auto space = dec.prepare(*w);
          std::memcpy(space.data(), wire.data(), *w);
          dec.commit(*w);
          for (;;) {
            auto v = dec.next_plaintext_view();
            if (!v || !*v) break;
            keep((*v)->data());
          }
        },
        plain.size());
    emit(fmt(R"({"bench":"noise_enc_dec_1core","impl":"openssl","mib_s":%.1f})", r / mib));
  }
  {
    // libsodium's ChaCha20-Poly1305 (IETF), for the record: same frame size, encrypt + decrypt.
    if (sodium_init() < 0) throw std::runtime_error("sodium_init");
    const auto key = bench_key();
    const std::size_t f = noise::max_plaintext_size;
    std::vector<std::uint8_t> m(f, 0x5a), c(f), d(f);
    std::uint8_t mac[16], nonce[12] = {};
    std::uint64_t ctr = 0;
    const double enc = rate_of(
        [&] {
          std::memcpy(nonce + 4, &++ctr, 8);
          crypto_aead_chacha20poly1305_ietf_encrypt_detached(c.data(), mac, nullptr, m.data(), f, nullptr, 0, nullptr,
                                                             nonce, key.data());
          keep(c.data());
        },
        f);
    const double both = rate_of(
        [&] {
          std::memcpy(nonce + 4, &++ctr, 8);
          crypto_aead_chacha20poly1305_ietf_encrypt_detached(c.data(), mac, nullptr, m.data(), f, nullptr, 0, nullptr,
                                                             nonce, key.data());
          if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(d.data(), nullptr, c.data(), f, mac, nullptr, 0, nonce,
                                                                 key.data()) != 0)
            throw std::runtime_error("sodium decrypt failed");
          keep(d.data());
        },
        f);
    emit(fmt(R"({"bench":"noise_encrypt","impl":"sodium","mib_s":%.1f})", enc / mib));
    emit(fmt(R"({"bench":"noise_enc_dec_1core","impl":"sodium","mib_s":%.1f})", both / mib));
  }

  // Raw TCP loopback, one direction, 256 KiB writes: the kernel's copy cost on this machine.
  {
    double best = 0;
    std::vector<std::uint8_t> chunk(noise_batch, 0x5a), sink(64 * 1024);
    for (int rep = 0; rep < o.repeat; ++rep) {
      std::uint64_t left = o.bytes, got = 0;
      const double secs = tcp_transfer(
          [&]() -> BytesView {
            const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
            left -= k;
            return BytesView(chunk.data(), k);
          },
          [&] { return std::span<std::uint8_t>(sink); }, [&](std::size_t k) { got += k; });
      if (got != o.bytes) throw std::runtime_error("tcp lost bytes");
      best = std::max(best, static_cast<double>(o.bytes) / secs);
    }
    emit(fmt(R"({"bench":"tcp_raw","bytes":%llu,"mib_s":%.1f})", static_cast<unsigned long long>(o.bytes), best / mib));
  }
  // Encrypter -> TCP loopback -> Decrypter on two threads, no muxer: the ceiling for one stream.
  for (int rep = 0; rep < o.repeat; ++rep) noise_tcp(o.bytes);
}
// ---- crypto: the public-key operations of a handshake, libsodium vs OpenSSL 3 ---------------------------

/// Time per call in `Unit`s (std::micro, std::nano): the best of 100 batches of `batch` calls, so other
/// processes on a shared machine (which only ever make a batch slower) drop out.
template <class Unit, class F>
double best_per_call(F& f, int batch) {
  f();
  double best = 1e30;
  for (int b = 0; b < 100; ++b) {
    const auto t = Clock::now();
    for (int i = 0; i < batch; ++i) f();
    best = std::min(best, std::chrono::duration<double, Unit>(Clock::now() - t).count() / batch);
  }
  return best;
}

/// Microseconds per call: the best of 100 batches of 20 calls.
template <class F>
double best_us(F f) { return best_per_call<std::micro>(f, 20); }

/// Nanoseconds per call: the best of 100 batches of 1000 calls.
template <class F>
double best_ns(F f) { return best_per_call<std::nano>(f, 1000); }

/// A Noise handshake side does ~33 SHA-256 of 32..100 bytes (MixHash, HMAC). lp2p uses OpenSSL's low-level
/// SHA256_CTX: EVP_DigestInit_ex2 allocates a provider context per hash even on a reused EVP_MD_CTX.
void bench_sha256() {
  progress("crypto: SHA-256 of short inputs, OpenSSL low-level vs EVP vs libsodium");
  std::uint8_t in[128], out[32];
  for (std::size_t i = 0; i < sizeof in; ++i) in[i] = static_cast<std::uint8_t>(i);
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!md || !ctx) throw std::runtime_error("EVP sha256");
  for (std::size_t n : {32, 64, 128}) {
    auto row = [n](const char* impl, double ns) {
      emit(fmt(R"({"bench":"crypto","op":"sha256_%zu","impl":"%s","ns":%.1f})", n, impl, ns));
    };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    row("openssl_sha256_ctx", best_ns([&] {
          SHA256_CTX c;
          SHA256_Init(&c);
          SHA256_Update(&c, in, n);
          SHA256_Final(out, &c);
        }));
#pragma GCC diagnostic pop
    row("openssl_evp_reused_ctx", best_ns([&] {
          unsigned int len = 0;
          if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, in, n) != 1 ||
              EVP_DigestFinal_ex(ctx, out, &len) != 1)
            throw std::runtime_error("EVP sha256");
        }));
    row("sodium", best_ns([&] { crypto_hash_sha256(out, in, n); }));
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
}

/// Each Noise XX side does 1 X25519 key generation (ephemeral), 3 X25519 DH and 1 Ed25519 verification
/// per connection (plus 1 key generation and 1 signature per Host for its static key). lp2p uses
/// libsodium for all of them (key generation through its Edwards functions: row "lp2p"); this measures
/// whether OpenSSL 3 (EVP, keys prepared outside the loop where it can) would be faster on this CPU.
void bench_crypto() {
  progress("crypto: X25519 and Ed25519, libsodium vs OpenSSL");
  if (sodium_init() < 0) throw std::runtime_error("sodium_init");
  std::uint8_t sk[32], pk[32], peer_sk[32], peer_pk[32], out[32];
  randombytes_buf(sk, 32);
  randombytes_buf(peer_sk, 32);
  if (crypto_scalarmult_base(peer_pk, peer_sk) != 0) throw std::runtime_error("x25519");
  std::uint8_t ed_pk[32], ed_sk[64], sig[64], msg[56] = {1};  // "noise-libp2p-static-key:" + 32 bytes
  crypto_sign_keypair(ed_pk, ed_sk);
  crypto_sign_detached(sig, nullptr, msg, sizeof msg, ed_sk);
  auto row = [](const char* op, const char* impl, double us) {
    emit(fmt(R"({"bench":"crypto","op":"%s","impl":"%s","us":%.1f})", op, impl, us));
  };
  row("x25519_keygen", "sodium", best_us([&] {
        if (crypto_scalarmult_base(pk, sk) != 0) throw std::runtime_error("x25519");
      }));
  // What lp2p's X25519Keypair::generate costs (CSPRNG, libsodium's Edwards fixed-base multiplication and
  // the RFC 7748 section 4.1 map to u), against crypto_scalarmult_base's Montgomery ladder above.
  row("x25519_keygen", "lp2p", best_us([&] {
        const auto kp = lp2p::noise::X25519Keypair::generate();
        pk[0] ^= kp.public_key[0];
      }));
  row("x25519_dh", "sodium", best_us([&] {
        if (crypto_scalarmult(out, sk, peer_pk) != 0) throw std::runtime_error("x25519");
      }));
  row("ed25519_sign", "sodium", best_us([&] { crypto_sign_detached(sig, nullptr, msg, sizeof msg, ed_sk); }));
  row("ed25519_verify", "sodium", best_us([&] {
        if (crypto_sign_verify_detached(sig, msg, sizeof msg, ed_pk) != 0) throw std::runtime_error("verify");
      }));
  row("x25519_keygen", "openssl", best_us([&] {
        EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, sk, 32);
        std::size_t len = 32;
        EVP_PKEY_get_raw_public_key(k, pk, &len);
        EVP_PKEY_free(k);
      }));
  EVP_PKEY* mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, sk, 32);
  EVP_PKEY* theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_pk, 32);
  row("x25519_dh", "openssl", best_us([&] {
        EVP_PKEY_CTX* c = EVP_PKEY_CTX_new(mine, nullptr);
        std::size_t len = 32;
        if (EVP_PKEY_derive_init(c) != 1 || EVP_PKEY_derive_set_peer(c, theirs) != 1 || EVP_PKEY_derive(c, out, &len) != 1)
          throw std::runtime_error("openssl x25519");
        EVP_PKEY_CTX_free(c);
      }));
  EVP_PKEY* ed_key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, ed_sk, 32);
  EVP_PKEY* ed_pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, ed_pk, 32);
  row("ed25519_sign", "openssl", best_us([&] {
        EVP_MD_CTX* m = EVP_MD_CTX_new();
        std::size_t len = 64;
        if (EVP_DigestSignInit(m, nullptr, nullptr, nullptr, ed_key) != 1 || EVP_DigestSign(m, sig, &len, msg, sizeof msg) != 1)
          throw std::runtime_error("openssl sign");
        EVP_MD_CTX_free(m);
      }));
  row("ed25519_verify", "openssl", best_us([&] {
        EVP_MD_CTX* m = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(m, nullptr, nullptr, nullptr, ed_pub) != 1 || EVP_DigestVerify(m, sig, 64, msg, sizeof msg) != 1)
          throw std::runtime_error("openssl verify");
        EVP_MD_CTX_free(m);
      }));
  EVP_PKEY_free(mine);
  EVP_PKEY_free(theirs);
  EVP_PKEY_free(ed_key);
  EVP_PKEY_free(ed_pub);
  bench_sha256();
}

// ---- hosts on their own threads ---------------------------------------------------------------------

/// One io_context on one thread.
struct Loop {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~Loop() {
    guard.reset();
    ioc.stop();
    thread.join();
  }
  /// Runs a coroutine (a callable returning awaitable<T>) on this loop and waits for its result.
  template <class F>
  auto run(F f) {
    return asio::co_spawn(ioc, std::move(f), asio::use_future).get();
  }
};

HostConfig server_config() {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(1);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  cfg.limits.max_connections = 1 << 20;
  cfg.limits.max_connections_per_peer = 1 << 20;  // every client connection comes from one PeerId
  cfg.limits.max_pending_handshakes = 4096;
  cfg.limits.max_inbound_streams_per_protocol = 4096;
  cfg.limits.event_queue = 16;  // nobody reads them
  if (std::getenv("LP2P_BENCH_NO_VERIFY_CACHE")) cfg.noise_verify_cache = 0;
  return cfg;
}

/// The client's configuration. The identity is derived once (a key derivation per connection would be
/// the benchmark's cost, not lp2p's). `lazy`: the stream's multistream proposal rides with the request
/// (HostConfig::lazy_stream_negotiation, one round trip less); eager waits for the listener's answer.
HostConfig client_config(bool lazy) {
  static const Keypair identity = Keypair::from_secret_key_seed(2);
  HostConfig cfg;
  cfg.identity = identity;
  cfg.port_reuse = false;  // no listener: let the kernel pick the source port
  cfg.lazy_stream_negotiation = lazy;
  if (std::getenv("LP2P_BENCH_NO_VERIFY_CACHE")) cfg.noise_verify_cache = 0;
  return cfg;
}
/// LP2P_BENCH_EAGER=1 measures dial latency and connections/s with the default (eager) negotiation.
bool bench_lazy() { return std::getenv("LP2P_BENCH_EAGER") == nullptr; }

/// The server Host (perf handler) on its own loop.
struct Server {
  Loop loop;
  std::unique_ptr<Host> host;
  Multiaddr addr;
  Server() {
    host = loop.run([this]() -> asio::awaitable<std::unique_ptr<Host>> {
      auto h = Host::create(loop.ioc.get_executor(), server_config()).value();
      if (auto r = co_await h->start(); !r) throw std::runtime_error("server start: " + r.error().message());
      perf::serve(*h);
      co_return h;
    });
    addr = host->listen_addrs().at(0).with_peer_id(host->id());
  }
  ~Server() {
    loop.run([this]() -> asio::awaitable<void> {
      co_await host->stop();
      host.reset();
    });
  }
};

struct ConnSample {
  double connected_ms, stream_ms, first_byte_ms;
};

/// A new connection from `h` (a client Host that keeps no other connection to the server), one perf
/// stream asking for one byte, the byte read back; then the connection is closed (GoAway). The Host is
/// reused, as a real client would: its Noise static key and identity signature are made once per Host.
asio::awaitable<ConnSample> one_connection(Host& h, Multiaddr addr) {
  const auto t0 = Clock::now();
  auto c = co_await h.dial(addr);
  if (!c) throw std::runtime_error("dial: " + c.error().message());
  const auto t1 = Clock::now();
  std::vector<std::string> protocols{std::string(perf::protocol_id)};
  auto s = co_await h.open_stream(c->peer, std::move(protocols));
  if (!s) throw std::runtime_error("open_stream: " + s.error().message());
  const auto t2 = Clock::now();
  const auto header = perf::encode_header(1);  // perf: send me 1 byte
  if (auto w = co_await s->write(BytesView(header)); !w) throw std::runtime_error("write: " + w.error().message());
  if (auto w = co_await s->close_write(); !w) throw std::runtime_error("close_write: " + w.error().message());
  std::uint8_t byte = 0;
  auto n = co_await s->read_some(std::span<std::uint8_t>(&byte, 1));
  if (!n) throw std::runtime_error("read: " + n.error().message());
  const auto t3 = Clock::now();
  h.close_connection(c->id);
  co_return ConnSample{millis(t1 - t0), millis(t2 - t0), millis(t3 - t0)};
}

/// CPU time of the whole process (both Hosts, every thread), in seconds.
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void bench_throughput(const Options& o) {
  progress(fmt("lp2p throughput: %llu MiB up and down, %d times", static_cast<unsigned long long>(o.bytes / mib), o.repeat));
  const char* only = std::getenv("LP2P_BENCH_DIRECTION");  // "up", "down" or unset (both)
  const std::string direction = only ? only : "";
  Server server;
  Loop client;
  // The ceiling is measured again between the lp2p runs (and from the client's thread while its loop
  // is idle), so slow changes in the machine's load affect both alike.
  client.run([&]() -> asio::awaitable<void> {
    auto h = Host::create(client.ioc.get_executor(), client_config(true)).value();
    auto c = co_await h->dial(server.addr);
    if (!c) throw std::runtime_error("dial: " + c.error().message());
    if (auto w = co_await perf::run(*h, c->peer, 16 * mib, 16 * mib); !w)  // warm-up
      throw std::runtime_error("perf: " + w.error().message());
    for (int r = 0; r < o.repeat; ++r) {
      if (direction.empty()) noise_tcp(o.bytes);
      for (const bool up : {true, false}) {
        if (!direction.empty() && direction != (up ? "up" : "down")) continue;
        auto res = co_await perf::run(*h, c->peer, up ? o.bytes : 0, up ? 0 : o.bytes);
        if (!res) throw std::runtime_error("perf: " + res.error().message());
        const double secs = res->elapsed.count();
        emit(fmt(R"({"bench":"throughput_%s","impl":"lp2p","bytes":%llu,"seconds":%.6f,"mib_s":%.1f})",
                 up ? "upload" : "download", static_cast<unsigned long long>(o.bytes), secs,
                 static_cast<double>(o.bytes) / secs / mib));
      }
    }
    co_await h->stop();
  });
}

std::string summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))]; };
  return fmt(R"({"median_ms":%.3f,"p90_ms":%.3f,"min_ms":%.3f})", q(0.5), q(0.9), v.front());
}

void bench_dial(const Options& o) {
  progress(fmt("dial -> first byte: %d new connections", o.dials));
  Server server;
  Loop client;
  std::vector<ConnSample> samples;
  const bool lazy = bench_lazy();
  client.run([&]() -> asio::awaitable<void> {
    auto h = Host::create(client.ioc.get_executor(), client_config(lazy)).value();
    for (int i = 0; i < o.warmup; ++i) (void)co_await one_connection(*h, server.addr);
    for (int i = 0; i < o.dials; ++i) samples.push_back(co_await one_connection(*h, server.addr));
    co_await h->stop();
  });
  std::vector<double> a, b, c;
  for (const auto& s : samples) {
    a.push_back(s.connected_ms);
    b.push_back(s.stream_ms);
    c.push_back(s.first_byte_ms);
  }
  emit(fmt(R"({"bench":"dial_latency","impl":"lp2p","lazy":%s,"n":%d,"connected":%s,"stream":%s,"first_byte":%s})",
           lazy ? "true" : "false", o.dials, summary(a).c_str(), summary(b).c_str(), summary(c).c_str()));
}

/// CPU time of the thread running `loop`, in seconds (read on that thread).
double loop_cpu_seconds(Loop& loop) {
  return asio::post(loop.ioc, asio::use_future([] {
           timespec ts{};
           ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
           return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
         })).get();
}

/// `client_loops` client threads (workers spread over them round-robin) against the one server thread.
/// With one, the client side is the bottleneck on this machine: it also pays, in its own softirq
/// context, for the kernel's loopback processing of everything it sends, including the TCP handshake,
/// and the server thread idles a third of the time. With two, the kernel keeps both cores busy.
void bench_rate(const Options& o, int client_loops) {
  Server server;
  std::vector<std::unique_ptr<Loop>> clients;
  for (int i = 0; i < client_loops; ++i) clients.push_back(std::make_unique<Loop>());
  const bool lazy = bench_lazy();
  for (const int k : o.concurrency) {
    progress(fmt("connections/s: %d connections, %d at a time, %d client thread(s)", o.conns, k, client_loops));
    std::atomic<int> next{0}, failed{0};
    std::mutex error_mu;
    std::string first_error;
    // One client Host per worker (dial() reuses a live connection to the same peer, so concurrent
    // workers on one Host would share connections), like js's one node per worker.
    auto worker = [&](asio::io_context& ioc) -> asio::awaitable<void> {
      auto h = Host::create(ioc.get_executor(), client_config(lazy)).value();
      while (next.fetch_add(1) < o.conns) {
        try {
          (void)co_await one_connection(*h, server.addr);
        } catch (const std::exception& e) {
          std::lock_guard lock(error_mu);
          if (failed++ == 0) first_error = e.what();
        }
      }
      co_await h->stop();
    };
    const double cpu0 = process_cpu_seconds();
    const double server0 = loop_cpu_seconds(server.loop);
    std::vector<double> client0;
    for (auto& c : clients) client0.push_back(loop_cpu_seconds(*c));
    const auto start = Clock::now();
    std::vector<std::future<void>> workers;
    for (int w = 0; w < k; ++w) {
      auto& ioc = clients[static_cast<std::size_t>(w % client_loops)]->ioc;
      workers.push_back(asio::co_spawn(ioc, [&worker, &ioc] { return worker(ioc); }, asio::use_future));
    }
    for (auto& w : workers) w.get();
    const double secs = seconds(Clock::now() - start);
    // How busy each thread was while the connections ran: a thread below 100% waited for the other.
    const double server_busy = (loop_cpu_seconds(server.loop) - server0) / secs;
    double client_busy = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) client_busy += (loop_cpu_seconds(*clients[i]) - client0[i]) / secs;
    // Let the server finish closing, then charge its CPU too: both ends, per connection.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double cpu = process_cpu_seconds() - cpu0;
    emit(fmt(R"({"bench":"conn_rate","impl":"lp2p","lazy":%s,"concurrency":%d,"client_threads":%d,"n":%d,"failed":%d%s,"seconds":%.4f,"per_s":%.1f,"cpu_us_per_conn":%.1f,"server_thread_busy":%.2f,"client_threads_busy":%.2f})",
             lazy ? "true" : "false", k, client_loops, o.conns, failed.load(),
             first_error.empty() ? "" : (R"(,"first_error":")" + first_error + "\"").c_str(), secs,
             (o.conns - failed.load()) / secs, cpu / o.conns * 1e6, server_busy, client_busy));
  }
}

/// The floor under the rate above: the same exchange (connect, 8 bytes out, half-close, 1 byte back, close)
/// over plain Asio TCP sockets on the same two loops, no security and no muxer. What lp2p costs beyond
/// this is its own; this part is the kernel's and Asio's.
void bench_rate_floor(const Options& o) {
  Loop server_loop;
  Loop client;
  tcp::acceptor acceptor(server_loop.ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.listen(4096);
  const auto target = acceptor.local_endpoint();
  auto serve = [&](tcp::socket s) -> asio::awaitable<void> {
    std::uint8_t header[perf::header_size];
    auto [ec, n] = co_await asio::async_read(s, asio::buffer(header), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const std::uint8_t byte = 1;
    (void)co_await asio::async_write(s, asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
    boost::system::error_code ignored;
    s.shutdown(tcp::socket::shutdown_send, ignored);
    std::uint8_t drain[16];
    (void)co_await s.async_read_some(asio::buffer(drain), asio::as_tuple(asio::use_awaitable));  // the client's close
  };
  asio::co_spawn(server_loop.ioc, [&]() -> asio::awaitable<void> {
    for (;;) {
      auto [ec, s] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      s.set_option(tcp::no_delay(true));
      asio::co_spawn(acceptor.get_executor(), serve(std::move(s)), asio::detached);
    }
  }, asio::detached);
  for (const int k : o.concurrency) {
    progress(fmt("connections/s, plain TCP floor: %d connections, %d at a time", o.conns, k));
    int next = 0, failed = 0;
    auto worker = [&]() -> asio::awaitable<void> {
      while (next < o.conns) {
        ++next;
        tcp::socket s(client.ioc);
        auto [ec] = co_await s.async_connect(target, asio::as_tuple(asio::use_awaitable));
        if (!ec) s.set_option(tcp::no_delay(true));
        const auto header = perf::encode_header(1);  // the same 8 bytes as the perf request above
        if (!ec) std::tie(ec, std::ignore) = co_await asio::async_write(s, asio::buffer(header), asio::as_tuple(asio::use_awaitable));
        if (!ec) s.shutdown(tcp::socket::shutdown_send, ec);
        std::uint8_t byte = 0;
        if (!ec) std::tie(ec, std::ignore) = co_await asio::async_read(s, asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
        if (ec) ++failed;
      }
    };
    const double cpu0 = process_cpu_seconds();
    const auto start = Clock::now();
    std::vector<std::future<void>> workers;
    for (int w = 0; w < k; ++w) workers.push_back(asio::co_spawn(client.ioc, worker, asio::use_future));
    for (auto& w : workers) w.get();
    const double secs = seconds(Clock::now() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double cpu = process_cpu_seconds() - cpu0;
    emit(fmt(R"({"bench":"conn_rate_floor","impl":"asio_tcp","concurrency":%d,"n":%d,"failed":%d,"seconds":%.4f,"per_s":%.1f,"cpu_us_per_conn":%.1f})",
             k, o.conns, failed, secs, (o.conns - failed) / secs, cpu / o.conns * 1e6));
  }
  // Closed on its own loop, and waited for: the acceptor must not die while that loop still uses it.
  asio::post(server_loop.ioc, asio::use_future([&] { acceptor.close(); })).get();
}

// ---- a delaying TCP proxy: round trips without netem ---------------------------------------------------

/// Forwards TCP connections to `target`, holding every chunk for `delay` in each direction, and logs
/// when each chunk arrived (relative to the connection's accept). A chunk that depends on an answer from
/// the other side therefore arrives one 2×delay round trip later.
class DelayProxy {
 public:
  struct Chunk {
    double t_ms;
    bool to_server;
    std::size_t size;
  };

  DelayProxy(asio::io_context& ioc, tcp::endpoint target, std::chrono::milliseconds delay)
      : acceptor_(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), target_(target), delay_(delay) {
    asio::co_spawn(ioc, accept_loop(), asio::detached);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void close() { acceptor_.close(); }
  std::vector<std::vector<Chunk>> logs() {
    std::lock_guard lock(mu_);
    return logs_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), forward(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> forward(tcp::socket client) {
    const auto start = Clock::now();
    std::size_t index;
    {
      std::lock_guard lock(mu_);
      index = logs_.size();
      logs_.emplace_back();
    }
    tcp::socket server(client.get_executor());
    auto [ec] = co_await server.async_connect(target_, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    client.set_option(tcp::no_delay(true));
    server.set_option(tcp::no_delay(true));
    co_await (pump(client, server, true, start, index) && pump(server, client, false, start, index));
  }

  asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, bool to_server, Clock::time_point start,
                             std::size_t index) {
    struct Item {
      Clock::time_point due;
      std::vector<std::uint8_t> data;
    };
    std::deque<Item> queue;
    bool eof = false;
    asio::steady_timer wake(from.get_executor());
    auto reader = [&]() -> asio::awaitable<void> {
      std::vector<std::uint8_t> buf(256 * 1024);
      for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        const auto now = Clock::now();
        {
          std::lock_guard lock(mu_);
          logs_[index].push_back(Chunk{millis(now - start), to_server, n});
        }
        queue.push_back(Item{now + delay_, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n))});
        wake.cancel();
      }
      eof = true;
      wake.cancel();
    };
    auto writer = [&]() -> asio::awaitable<void> {
      asio::steady_timer hold(from.get_executor());
      for (;;) {
        if (queue.empty()) {
          if (eof) break;
          wake.expires_at(asio::steady_timer::time_point::max());
          (void)co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
          continue;
        }
        hold.expires_at(queue.front().due);
        (void)co_await hold.async_wait(asio::as_tuple(asio::use_awaitable));
        auto [ec, n] = co_await asio::async_write(to, asio::buffer(queue.front().data), asio::as_tuple(asio::use_awaitable));
        queue.pop_front();
        if (ec) {
          error_code ignored;
          from.close(ignored);  // ends the reader
          co_return;
        }
      }
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
    };
    co_await (reader() && writer());
  }

  tcp::acceptor acceptor_;
  tcp::endpoint target_;
  Clock::duration delay_;
  std::mutex mu_;
  std::vector<std::vector<Chunk>> logs_;
};

/// The chunk log as flights: consecutive chunks in one direction merged, e.g. "0.0 C>S 123".
std::string flights_json(const std::vector<DelayProxy::Chunk>& log) {
  std::string out = "[";
  for (std::size_t i = 0; i < log.size();) {
    std::size_t j = i, bytes = 0;
    while (j < log.size() && log[j].to_server == log[i].to_server && log[j].t_ms - log[i].t_ms < 2.0) bytes += log[j++].size;
    if (out.size() > 1) out += ",";
    out += fmt(R"({"t_ms":%.1f,"dir":"%s","bytes":%zu})", log[i].t_ms, log[i].to_server ? "C>S" : "S>C", bytes);
    i = j;
  }
  return out + "]";
}

/// Round trips of one configuration (lazy or eager stream negotiation) through a fresh proxy.
void bench_rtt_one(const Options& o, Server& server, bool lazy) {
  Loop proxy_loop;
  // The server's port, from its listen address (/ip4/127.0.0.1/tcp/PORT).
  const auto listen = server.host->listen_addrs().at(0).to_string();
  const auto port = static_cast<unsigned short>(std::stoi(listen.substr(listen.rfind('/') + 1)));
  DelayProxy real(proxy_loop.ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                  std::chrono::milliseconds(o.delay_ms));
  auto via = Multiaddr::parse("/ip4/127.0.0.1/tcp/" + std::to_string(real.port())).value().with_peer_id(server.host->id());
  Loop client;
  std::vector<ConnSample> samples;
  client.run([&]() -> asio::awaitable<void> {
    auto h = Host::create(client.ioc.get_executor(), client_config(lazy)).value();
    for (int i = 0; i < o.rtt_dials; ++i) samples.push_back(co_await one_connection(*h, via));
    co_await h->stop();
  });
  const double rtt = 2.0 * o.delay_ms;
  std::vector<double> a, b, c;
  for (const auto& s : samples) {
    a.push_back(s.connected_ms);
    b.push_back(s.stream_ms);
    c.push_back(s.first_byte_ms);
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::sort(c.begin(), c.end());
  const auto med = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  auto logs = real.logs();
  real.close();
  // +1: the TCP handshake, which the proxy cannot delay (the kernel completes it on accept).
  emit(fmt(R"({"bench":"round_trips","impl":"lp2p","lazy":%s,"delay_ms":%d,"connected_ms":%.1f,"stream_ms":%.1f,"first_byte_ms":%.1f,)"
           R"("connected_rtt":%.0f,"stream_rtt":%.0f,"first_byte_rtt":%.0f,"flights":%s})",
           lazy ? "true" : "false", o.delay_ms, med(a), med(b), med(c), 1 + std::round(med(a) / rtt),
           1 + std::round(med(b) / rtt), 1 + std::round(med(c) / rtt),
           logs.empty() ? "[]" : flights_json(logs.back()).c_str()));
}

void bench_rtt(const Options& o) {
  progress(fmt("round trips: %d dials through a proxy adding %d ms each way, lazy and eager stream negotiation",
               o.rtt_dials, o.delay_ms));
  Server server;
  for (const bool lazy : {true, false}) bench_rtt_one(o, server, lazy);
}

/// `lp2p-bench proxy`: the delaying proxy alone; prints {"event":"proxy","port":P}, runs until stdin
/// closes, then prints the flights of the last connection.
int run_proxy(const Options& o) {
  const auto colon = o.target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "lp2p-bench proxy: --target HOST:PORT\n");
    return 2;
  }
  asio::io_context ioc(1);
  tcp::endpoint target(asio::ip::make_address(o.target.substr(0, colon)),
                       static_cast<unsigned short>(std::stoi(o.target.substr(colon + 1))));
  DelayProxy proxy(ioc, target, std::chrono::milliseconds(o.delay_ms));
  emit(fmt(R"({"event":"proxy","port":%u,"delay_ms":%d})", proxy.port(), o.delay_ms));
  asio::posix::stream_descriptor in(ioc, ::dup(STDIN_FILENO));
  std::vector<std::uint8_t> buf(256);
  std::function<void(error_code, std::size_t)> on_read = [&](error_code ec, std::size_t) {
    if (ec) {
      auto logs = proxy.logs();
      emit(fmt(R"({"event":"flights","connections":%zu,"flights":%s})", logs.size(),
               logs.empty() ? "[]" : flights_json(logs.back()).c_str()));
      ioc.stop();
      return;
    }
    in.async_read_some(asio::buffer(buf), on_read);
  };
  in.async_read_some(asio::buffer(buf), on_read);
  ioc.run();
  return 0;
}

std::vector<int> parse_ints(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::stoi(item));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool proxy = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "proxy") proxy = true;
      else if (a == "--only") for (auto& s : [&] { std::vector<std::string> v; std::stringstream ss(value()); std::string x; while (std::getline(ss, x, ',')) v.push_back(x); return v; }()) o.only.insert(s);
      else if (a == "--bytes") o.bytes = std::stoull(value());
      else if (a == "--repeat") o.repeat = std::stoi(value());
      else if (a == "--dials") o.dials = std::stoi(value());
      else if (a == "--warmup") o.warmup = std::stoi(value());
      else if (a == "--conns") o.conns = std::stoi(value());
      else if (a == "--concurrency") o.concurrency = parse_ints(value());
      else if (a == "--delay-ms") o.delay_ms = std::stoi(value());
      else if (a == "--rtt-dials") o.rtt_dials = std::stoi(value());
      else if (a == "--target") o.target = value();
      else throw std::invalid_argument("unknown argument " + a);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lp2p-bench: %s (see the header of bench/lp2p_bench.cpp)\n", e.what());
    return 2;
  }
  if (!log::enabled(log::Level::debug)) log::set_level(log::Level::error);  // thousands of connections
  if (proxy) return run_proxy(o);
  try {
    if (o.wants("crypto")) bench_crypto();
    if (o.wants("framing")) bench_framing(o);
    if (o.wants("throughput")) bench_throughput(o);
    if (o.wants("dial")) bench_dial(o);
    if (o.wants("rate")) bench_rate(o, 1);
    if (o.wants("rate2")) bench_rate(o, 2);
    if (o.wants("rate_floor")) bench_rate_floor(o);
    if (o.wants("rtt")) bench_rtt(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lp2p-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
