// Fuzz target: the XX handshake state machine reading untrusted messages.
// Input: byte 0 picks the role we play (even: responder, odd: initiator); the rest is a stream of
// u16-BE-length-prefixed frames (parsed with FrameBuffer, as on the wire):
//   responder: frame 1 = message 1 (must have an empty payload), frame 2 = message 3;
//   initiator: frame 1 = message 2.
// All keys are fixed, so seeds made by the matching peer decrypt and the fuzzer can reach payload
// decoding, identity verification and split(). Identities: Ed25519 seeds [1,0..] (initiator) and
// [2,0..] (responder); each side's payload is make_identity_payload(identity, own static key).
// Invariant: every input ends in a value or a noise error, never a crash.
#include "lp2p/codec/noise/handshake_xx.hpp"
#include "lp2p/codec/noise/payload.hpp"
#include "lp2p/codec/noise/transport_framing.hpp"

#include <cstdlib>

using namespace lp2p;
using namespace lp2p::noise;

namespace {
X25519Keypair fixed(std::uint8_t seed) {
  DhKey k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i);
  return X25519Keypair::from_secret(k);
}
// Seeds in corpus/noise_handshake were made with these: initiator static 1 / ephemeral 2,
// responder static 3 / ephemeral 4.
const X25519Keypair init_s = fixed(1), init_e = fixed(2), resp_s = fixed(3), resp_e = fixed(4);

std::optional<Bytes> next(FrameBuffer& fb) {
  auto f = fb.next_frame();
  if (!f || !*f) return std::nullopt;
  return Bytes((*f)->begin(), (*f)->end());
}

Keypair identity(std::uint8_t seed) {
  std::array<std::uint8_t, 32> k{};
  k[0] = seed;
  return Keypair::ed25519_from_seed(k);
}

void finish(HandshakeXX& hs, BytesView payload) {
  // libp2p checks on the peer's payload: decode, then the identity signature over its static key.
  auto p = decode_payload(payload);
  if (!p) return;
  if (!verify_identity_payload(*p, hs.remote_static())) return;
  if (!hs.finished()) return;
  auto split = hs.split();
  if (!split) std::abort();  // a finished handshake must split
  Encrypter enc(std::move(split->first));
  if (!enc.encrypt(as_bytes("after handshake"))) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool initiator = data[0] & 1;
  FrameBuffer fb;
  fb.feed(BytesView(data + 1, size - 1));
  static const Bytes resp_payload =
      encode_payload(make_identity_payload(identity(2), resp_s.public_key, {"/yamux/1.0.0"}));
  static const Bytes init_payload =
      encode_payload(make_identity_payload(identity(1), init_s.public_key, {"/yamux/1.0.0"}));

  if (!initiator) {
    HandshakeXX hs(Role::responder, resp_s, {}, resp_e);
    auto m1 = next(fb);
    if (!m1) return 0;
    auto p1 = hs.read_message(*m1);
    if (!p1) return 0;
    if (!p1->empty()) return 0;  // libp2p: unexpected_payload_in_message1
    auto m2 = hs.write_message(resp_payload);
    if (!m2) return 0;  // e.g. a low-order initiator ephemeral key
    auto m3 = next(fb);
    if (!m3) return 0;
    auto p3 = hs.read_message(*m3);
    if (!p3) return 0;
    finish(hs, *p3);
  } else {
    HandshakeXX hs(Role::initiator, init_s, {}, init_e);
    if (!hs.write_message({})) std::abort();
    auto m2 = next(fb);
    if (!m2) return 0;
    auto p2 = hs.read_message(*m2);
    if (!p2) return 0;
    if (!hs.write_message(init_payload)) std::abort();
    finish(hs, *p2);
  }
  return 0;
}
