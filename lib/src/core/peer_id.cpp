#include "lp2p/core/peer_id.hpp"

#include "lp2p/core/base58.hpp"
#include "lp2p/core/multibase.hpp"
#include "lp2p/core/uvarint.hpp"

namespace lp2p {
namespace {
constexpr std::uint64_t cid_v1 = 0x01;
}  // namespace

PeerId PeerId::from_encoded_public_key(BytesView key) {
  if (key.size() <= max_inline_key_length) return PeerId(Multihash::identity(key).bytes());
  return PeerId(Multihash::sha2_256(key).bytes());
}

result<PeerId> PeerId::from_bytes(BytesView multihash) {
  auto mh = Multihash::decode(multihash);
  if (!mh) {
    // A hash function we don't implement can't be a PeerId at all; report it as such.
    if (mh.error() == core::error::multihash_unsupported) return error_code(core::error::peer_id_invalid);
    return mh.error();
  }
  if (mh->code() == Multihash::Code::identity && mh->digest().size() > max_inline_key_length)
    return error_code(core::error::peer_id_invalid);
  return PeerId(mh->bytes());
}

result<PeerId> PeerId::parse(std::string_view text) {
  if (text.empty()) return error_code(core::error::peer_id_invalid);
  if (text.front() == '1' || text.starts_with("Qm")) {
    auto bytes = base58::decode(text);
    if (!bytes) return bytes.error();
    return from_bytes(*bytes);
  }
  auto cid = multibase::decode(text);
  if (!cid) return cid.error();
  BytesView rest(*cid);
  auto version = uvarint::decode(rest);
  if (!version) return version.error();
  if (version->value != cid_v1) return error_code(core::error::peer_id_invalid);
  rest = rest.subspan(version->size);
  auto codec = uvarint::decode(rest);
  if (!codec) return codec.error();
  if (codec->value != libp2p_key_codec) return error_code(core::error::peer_id_invalid);
  return from_bytes(rest.subspan(codec->size));
}

std::string PeerId::to_base58() const { return base58::encode(bytes_); }

std::string PeerId::to_cid() const {
  Bytes cid;
  cid.reserve(bytes_.size() + 2);
  uvarint::encode(cid_v1, cid);
  uvarint::encode(libp2p_key_codec, cid);
  cid.insert(cid.end(), bytes_.begin(), bytes_.end());
  return multibase::encode(multibase::Base::base32, cid);
}

Multihash PeerId::multihash() const {
  // bytes_ was validated on construction, so this cannot fail.
  return Multihash::decode(bytes_).value();
}

std::optional<BytesView> PeerId::inline_public_key() const noexcept {
  // Identity code 0x00, then a one-byte length (the digest is at most 42 bytes).
  if (bytes_.size() < 2 || bytes_[0] != 0x00) return std::nullopt;
  return BytesView(bytes_).subspan(2);
}

result<BytesView> PeerId::require_inline_public_key() const noexcept {
  if (auto key = inline_public_key()) return *key;
  return error_code(core::error::peer_id_no_inline_key);
}

}  // namespace lp2p

std::size_t std::hash<lp2p::PeerId>::operator()(const lp2p::PeerId& id) const noexcept {
  // FNV-1a over the multihash: the digest is already uniformly distributed for hashed ids, and inline
  // keys differ in their trailing key bytes, which FNV mixes in.
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : id.bytes()) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}
