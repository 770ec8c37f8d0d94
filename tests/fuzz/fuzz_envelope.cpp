// Fuzz target: signed envelope decoding, then its payload as a peer record and as a relay voucher (what
// identify's signedPeerRecord and Reservation.voucher carry), and opening it (untrusted public key
// parsing + signature verification). Decoded values must round-trip.
#include "lp2p/codec/record/envelope.hpp"
#include "lp2p/codec/record/peer_record.hpp"
#include "lp2p/codec/record/voucher.hpp"

#include <cstdlib>

namespace {
template <class T, class Decode>
void round_trip(const T& value, Decode decode) {
  auto again = decode(lp2p::record::encode(value));
  if (!again || !(*again == value)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const lp2p::BytesView in(data, size);
  // The raw input is also tried directly as a payload, so the payload decoders get fuzzed on their own.
  if (auto rec = lp2p::record::decode_peer_record(in)) round_trip(*rec, lp2p::record::decode_peer_record);
  if (auto v = lp2p::record::decode_voucher(in)) round_trip(*v, lp2p::record::decode_voucher);

  auto env = lp2p::record::decode_envelope(in);
  if (!env) return 0;
  round_trip(*env, lp2p::record::decode_envelope);
  (void)lp2p::record::envelope_signing_buffer(lp2p::record::peer_record_domain, env->payload_type, env->payload);
  if (auto rec = lp2p::record::decode_peer_record(env->payload)) round_trip(*rec, lp2p::record::decode_peer_record);
  if (auto v = lp2p::record::decode_voucher(env->payload)) round_trip(*v, lp2p::record::decode_voucher);
  (void)lp2p::record::open(*env, lp2p::record::peer_record_domain, env->payload_type);
  (void)lp2p::record::open_peer_record(*env);
  (void)lp2p::record::open_voucher(in);
  return 0;
}
