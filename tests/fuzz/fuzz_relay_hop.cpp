// Fuzz target: Circuit Relay v2 HopMessage decoding and the request/response checks. Whatever decodes
// must re-encode and decode to the same value.
#include "lp2p/codec/relay/hop_message.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto msg = lp2p::relay::decode_hop(lp2p::BytesView(data, size));
  if (!msg) return 0;
  (void)lp2p::relay::check_hop_request(*msg);
  (void)lp2p::relay::check_reserve_response(*msg, 1700000000);
  (void)lp2p::relay::check_connect_response(*msg);
  if (msg->status) (void)lp2p::relay::to_string(*msg->status);
  auto enc = lp2p::relay::encode(*msg);
  if (!enc) {
    // Only size can stop a decoded value from re-encoding (e.g. an absent Peer.id is written back as
    // an empty one, two bytes more).
    if (enc.error() != lp2p::codec::error::message_too_large) std::abort();
    return 0;
  }
  auto again = lp2p::relay::decode_hop(*enc);
  if (!again || !(*again == *msg)) std::abort();
  return 0;
}
