// Fuzz target: Keypair::decode_private_protobuf over arbitrary bytes (libp2p key files).
// Invariants: never crash or throw; an accepted key re-encodes to a protobuf that decodes to the same
// key pair (and re-encodes identically), and it signs messages its public key verifies.
#include "lp2p/crypto/key.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto kp = lp2p::Keypair::decode_private_protobuf(lp2p::BytesView(data, size));
  if (!kp) return 0;
  const lp2p::Bytes encoded = kp->encode_private_protobuf();
  auto again = lp2p::Keypair::decode_private_protobuf(encoded);
  if (!again || !(again->public_key() == kp->public_key()) || again->encode_private_protobuf() != encoded)
    std::abort();
  const lp2p::Bytes message = lp2p::to_bytes("libp2p fuzz message");
  if (!kp->public_key().verify(message, kp->sign(message))) std::abort();
  auto pub = lp2p::PublicKey::decode_protobuf(kp->public_key().encode_protobuf());
  if (!pub || !(*pub == kp->public_key())) std::abort();
  return 0;
}
