// multistream-select 1.0 message framing: every message is `uvarint(len) || bytes || '\n'`, where len
// counts the trailing '\n'.
// Spec: https://github.com/multiformats/multistream-select#protocol (header, na, ls, ls response) and
// https://github.com/libp2p/specs/blob/master/connections/README.md#protocol-negotiation
// Limits follow go-multistream and js-libp2p, which reject any message over 1024 bytes.
#pragma once

#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/core/bytes.hpp"
#include "lp2p/core/error.hpp"  // varint errors in length prefixes

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p::multistream {

/// The header line each side sends first (without its '\n').
constexpr std::string_view protocol_id = "/multistream/1.0.0";
/// The listener's reply to a proposal it does not support.
constexpr std::string_view not_available = "na";
/// A request for the listener's protocol list.
constexpr std::string_view list_request = "ls";
/// Largest message (the length-prefix value, '\n' included) go-multistream and js-libp2p accept.
constexpr std::size_t default_max_message_size = 1024;
/// Most entries accepted in an ls response (rust's MAX_PROTOCOLS).
constexpr std::size_t max_ls_protocols = 1000;

/// True when `name` can be sent as a protocol: it starts with '/' (rust rejects anything else) and
/// contains no '\n' (which would make the message ambiguous with an ls response).
bool is_valid_protocol_name(std::string_view name) noexcept;

/// Appends `uvarint(content.size() + 1) || content || '\n'` to out.
void encode_message(std::string_view content, Bytes& out);
/// Returns `uvarint(content.size() + 1) || content || '\n'`.
Bytes encode_message(std::string_view content);

/// Appends an ls response: one message whose content is, for each protocol,
/// `uvarint(len(p) + 1) || p || '\n'` (the outer message adds the final '\n').
/// Entries that would push the message over `max_message_size` are left out, because go and js
/// peers would drop the whole response; the listing is informational, so a prefix is still useful.
/// Invalid names (see is_valid_protocol_name) are skipped too.
void encode_ls_response(std::span<const std::string> protocols, Bytes& out,
                        std::size_t max_message_size = default_max_message_size);

/// Parses the content (as returned by MessageReader, without the final '\n') of an ls response.
/// @return the protocol names in order (possibly none)
/// @errors error::invalid_ls_response, error::invalid_protocol_name, error::too_many_protocols,
///         core::error::varint_overlong, core::error::varint_not_minimal
result<std::vector<std::string>> parse_ls_response(std::string_view content);

/// One message decoded from the front of a buffer.
struct DecodedMessage {
  std::string_view content;  ///< the message without its length prefix and trailing '\n'
  std::size_t size;          ///< bytes consumed: prefix + content + 1
};

/// Decodes one message at the start of `in`. Returns std::nullopt with `ec` clear when more bytes are
/// needed; `content` points into `in`.
/// @errors error::message_too_large (checked from the prefix, before the body arrives),
///         error::missing_newline, core::error::varint_overlong, core::error::varint_not_minimal
std::optional<DecodedMessage> decode_message(BytesView in, std::size_t max_message_size,
                                             error_code& ec) noexcept;

/// Streaming decoder: feed bytes as they arrive, then call next() until it returns std::nullopt.
/// Keeps unconsumed bytes, so whatever follows the last negotiation message (application data sent in
/// the same segment) can be recovered with take_buffered(). Memory is bounded by what the caller feeds:
/// between calls it holds at most one incomplete message, whose size is capped by the maximum.
/// Errors are sticky: once next() fails it keeps returning the same error.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class MessageReader {
 public:
  explicit MessageReader(std::size_t max_message_size = default_max_message_size) noexcept
      : max_(max_message_size) {}

  /// Appends received bytes.
  void feed(BytesView in);
  /// The next complete message's content (without '\n'), or std::nullopt: need more bytes when `ec`
  /// is clear, otherwise a terminal error (see decode_message for the list).
  std::optional<std::string> next(error_code& ec);
  /// The same without copying: the view points into the reader's buffer and stays valid until the next
  /// feed() or take_buffered() (the negotiators compare most messages and keep none).
  std::optional<std::string_view> next_view(error_code& ec);
  /// Bytes received but not yet returned as messages.
  BytesView buffered() const noexcept { return BytesView(buf_).subspan(pos_); }
  /// Moves the unconsumed bytes out, leaving the reader empty.
  Bytes take_buffered();
  std::size_t max_message_size() const noexcept { return max_; }

 private:
  Bytes buf_;
  std::size_t pos_ = 0;  // start of unconsumed bytes in buf_
  std::size_t max_;
  error_code error_;
};

}  // namespace lp2p::multistream
