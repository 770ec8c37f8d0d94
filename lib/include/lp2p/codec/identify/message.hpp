// The identify message (`/ipfs/id/1.0.0`, `/ipfs/id/push/1.0.0`):
// https://github.com/libp2p/specs/blob/master/identify/README.md#the-identify-message
// On the wire each message is one uvarint length-prefixed frame (codec/frame.hpp).
//
// Size: rust-libp2p rejects identify messages over 4096 bytes, so that is both what we accept and what we
// send. go-libp2p caps its own messages at 4 KiB too, but when a signedPeerRecord is present and the
// message exceeds 2 KiB it sends two messages on the same stream (the second carries only
// signedPeerRecord); go's reader merges up to 10 messages until EOF. Readers must therefore loop
// decode + merge() until EOF (at most max_messages_per_stream frames).
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::identify {

constexpr std::size_t max_message_size = 4096;   ///< rust's limit; go's own messages fit in it too
constexpr std::size_t max_messages_per_stream = 10;  ///< go's readAllIDMessages limit

/// One identify message. Every field is optional on the wire; absent ones are std::nullopt / empty.
/// Addresses are kept as raw binary multiaddrs: the caller validates them (go skips unparsable ones).
struct IdentifyMessage {
  std::optional<Bytes> public_key;         ///< field 1: a PublicKey protobuf
  std::vector<Bytes> listen_addrs;         ///< field 2: binary multiaddrs
  std::vector<std::string> protocols;      ///< field 3: protocol ids (raw bytes, not UTF-8 checked)
  std::optional<Bytes> observed_addr;      ///< field 4: binary multiaddr of the remote as we see it
  std::optional<std::string> protocol_version;  ///< field 5, e.g. "ipfs/0.1.0"
  std::optional<std::string> agent_version;     ///< field 6, e.g. "lp2p/0.1.0"
  std::optional<Bytes> signed_peer_record; ///< field 8: an Envelope protobuf holding a PeerRecord

  friend bool operator==(const IdentifyMessage&, const IdentifyMessage&) = default;
};

/// Encodes `msg` as one protobuf body (fields in tag order, absent fields omitted).
/// @return codec::error::message_too_large if the body would exceed max_message_size; nothing is
///         truncated silently. Use encode_frames() to fall back to go's two-message split.
result<Bytes> encode(const IdentifyMessage& msg);

/// Encodes `msg` as framed bytes ready to write on the stream: one frame if the body fits in
/// max_message_size; otherwise, if it has a signed_peer_record, two frames (everything else, then a
/// message holding only signed_peer_record, as go does) if each fits.
/// rust reads only the first message, so the split is a last resort (rust then falls back to
/// listenAddrs, which is why listen_addrs must always be filled).
/// @errors codec::error::message_too_large when even the split does not fit
result<Bytes> encode_frames(const IdentifyMessage& msg);

/// Decodes one message body (a frame's payload).
/// @errors codec::error::frame_too_large (body over max_message_size), codec::error::malformed_protobuf
result<IdentifyMessage> decode(BytesView body);

/// Decodes one message body straight into `into`, with merge()'s rules (present optionals overwrite,
/// repeated fields are appended): decode() + merge() without the intermediate message, for a reader
/// that folds every frame of a stream. On error `into` is unchanged.
/// @errors as decode()
result<void> decode_into(BytesView body, IdentifyMessage& into);

/// A message whose fields other than observedAddr are encoded once, for a host that answers every
/// connection's identify request with the same message except the address it observed. Protobuf's tag
/// order puts observedAddr (field 4) between the fields 1-3 and 5-8, so both parts are kept.
class PreparedMessage {
 public:
  PreparedMessage() = default;
  /// Encodes everything in `msg` except observed_addr (ignored).
  explicit PreparedMessage(const IdentifyMessage& msg);

  /// The same bytes as codec::encode_frame(*encode(msg)) for the message given to the constructor with
  /// observed_addr replaced by `observed_addr`: one frame, ready to write.
  /// @errors codec::error::message_too_large (body over max_message_size), as encode()
  result<Bytes> encode_frame(std::optional<BytesView> observed_addr) const;

 private:
  Bytes head_;  // fields 1-3
  Bytes tail_;  // fields 5, 6, 8
};

/// Folds the next message read from the same stream into `into`, as go's reader does with
/// proto.Merge: fields present in `next` overwrite, repeated fields are appended.
void merge(IdentifyMessage& into, const IdentifyMessage& next);

/// Applies a pushed message (identify/push) to the state kept for a peer. Spec: "missing fields should be
/// ignored, as peers may choose to send partial updates": present optionals overwrite, a non-empty
/// repeated field replaces the stored list, an empty one leaves it unchanged.
void apply_push(IdentifyMessage& state, const IdentifyMessage& push);

}  // namespace lp2p::identify
