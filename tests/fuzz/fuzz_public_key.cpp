// Fuzz target: PublicKey::decode_protobuf over arbitrary bytes, then signature checks with garbage.
// Invariants: never crash or throw; an accepted key re-encodes canonically (decode(encode(k)) == k, and
// encoding is stable), its PeerId round-trips through from_peer_id when inlined, and garbage (the input
// itself) never verifies as a signature, neither under the decoded key nor under fixed keys of all four
// types (which drives the Ed25519 length check, the strict-DER ECDSA parser and the RSA length check).
#include "lp2p/crypto/key.hpp"

#include <cstdlib>
#include <vector>

namespace {
const std::vector<lp2p::PublicKey>& fixed_keys() {
  static const std::vector<lp2p::PublicKey> keys = [] {
    std::vector<lp2p::PublicKey> out;
    for (const char* hex : {
             // libp2p/specs peer-ids.md test vectors (Ed25519, Secp256k1, ECDSA), go-libp2p RSA-2048 fixture
             "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
             "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
             "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62",
             "080012a60230820122300d06092a864886f70d01010105000382010f003082010a0282010100f2b75b418c28ed7aabfe17e90dfb93c13f2ec6381d072f862fb75808b96d227eef2083d31f4a78069f85ad6a8c73896ea385a386430d1cc09a90a230f00911515c5538c4b62d897fc665df1150456aec75cdb2310c88f2079c82f56a79375c79e4f840f0eb15213f1972d6a248d684453ce5d3e3ec091f38c2f95c3ab5a1dfb603a9f955ebd9a75814ec5b725bb8882b047dbbae000ad88a5236596ad800c4ccfae3c74d69f8c665741d47972213dd4fdc83d39bab7ccce49f65e2dee7c76cd79c3500aafe7207ad41d843d89ac11e6653b872dfb2c5d790ec4eb6d954aa6e14a55463659edf0a2513c0aad9b8349f259a9b605b3d71dec43b69ee6be851a7530203010001"}) {
      lp2p::Bytes bytes;
      if (!lp2p::from_hex(hex, bytes)) std::abort();
      auto key = lp2p::PublicKey::decode_protobuf(bytes);
      if (!key) std::abort();
      out.push_back(*key);
    }
    return out;
  }();
  return keys;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const lp2p::BytesView in(data, size);
  const lp2p::Bytes message = lp2p::to_bytes("libp2p fuzz message");
  for (const auto& key : fixed_keys()) {
    if (key.verify(message, in) || key.verify(in, in)) std::abort();
  }
  auto key = lp2p::PublicKey::decode_protobuf(in);
  if (!key) return 0;
  const lp2p::Bytes encoded = key->encode_protobuf();
  auto again = lp2p::PublicKey::decode_protobuf(encoded);
  if (!again || !(*again == *key) || again->encode_protobuf() != encoded) std::abort();
  if (key->verify(message, in) || key->verify(in, in)) std::abort();
  (void)key->check_signature(message, in.size() > 8 ? in.subspan(8) : in);
  const lp2p::PeerId id = key->peer_id();
  if (id.inline_public_key()) {
    auto back = lp2p::PublicKey::from_peer_id(id);
    if (!back || !(*back == *key)) std::abort();
  }
  return 0;
}
