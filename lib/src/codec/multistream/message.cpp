#include "lp2p/codec/multistream/message.hpp"

#include "lp2p/core/uvarint.hpp"

#include <algorithm>
#include <utility>

namespace lp2p::multistream {

bool is_valid_protocol_name(std::string_view name) noexcept {
  return !name.empty() && name.front() == '/' && name.find('\n') == std::string_view::npos;
}

void encode_message(std::string_view content, Bytes& out) {
  std::uint8_t prefix[uvarint::max_bytes];
  const std::size_t n = uvarint::encode_to(content.size() + 1, prefix);
  // At most one allocation per message (prefix, content and '\n' each grew the vector before), while
  // repeated appends (header, then proposal or echo) keep geometric growth.
  const std::size_t need = out.size() + n + content.size() + 1;
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  out.insert(out.end(), prefix, prefix + n);
  out.insert(out.end(), content.begin(), content.end());
  out.push_back('\n');
}

Bytes encode_message(std::string_view content) {
  Bytes out;
  encode_message(content, out);
  return out;
}

void encode_ls_response(std::span<const std::string> protocols, Bytes& out,
                        std::size_t max_message_size) {
  Bytes body;
  for (const auto& p : protocols) {
    if (!is_valid_protocol_name(p)) continue;
    const std::size_t entry = uvarint::encoded_size(p.size() + 1) + p.size() + 1;
    // +1 for the outer message's final '\n'.
    if (body.size() + entry + 1 > max_message_size) break;
    encode_message(p, body);
  }
  encode_message(as_string_view(body), out);
}

result<std::vector<std::string>> parse_ls_response(std::string_view content) {
  std::vector<std::string> out;
  BytesView rest = as_bytes(content);
  while (!rest.empty()) {
    if (out.size() == max_ls_protocols) return error_code(error::too_many_protocols);
    error_code ec;
    auto len = uvarint::decode_prefix(rest, ec);
    if (ec) return ec;
    if (!len) return error_code(error::invalid_ls_response);  // truncated prefix inside the message
    rest = rest.subspan(len->size);
    if (len->value == 0 || len->value > rest.size() || rest[len->value - 1] != '\n')
      return error_code(error::invalid_ls_response);
    const auto name = as_string_view(rest.first(len->value - 1));
    if (!is_valid_protocol_name(name)) return error_code(error::invalid_protocol_name);
    out.emplace_back(name);
    rest = rest.subspan(len->value);
  }
  return out;
}

std::optional<DecodedMessage> decode_message(BytesView in, std::size_t max_message_size,
                                             error_code& ec) noexcept {
  auto len = uvarint::decode_prefix(in, ec);
  if (!len) return std::nullopt;  // need more, or a malformed prefix (ec set)
  if (len->value > max_message_size) {
    ec = error::message_too_large;
    return std::nullopt;
  }
  if (len->value == 0) {
    ec = error::missing_newline;
    return std::nullopt;
  }
  const std::size_t body = static_cast<std::size_t>(len->value);
  if (in.size() - len->size < body) return std::nullopt;
  const auto msg = in.subspan(len->size, body);
  if (msg.back() != '\n') {
    ec = error::missing_newline;
    return std::nullopt;
  }
  return DecodedMessage{as_string_view(msg.first(body - 1)), len->size + body};
}

void MessageReader::feed(BytesView in) {
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), in.begin(), in.end());
}

std::optional<std::string> MessageReader::next(error_code& ec) {
  auto m = next_view(ec);
  if (!m) return std::nullopt;
  return std::string(*m);
}

std::optional<std::string_view> MessageReader::next_view(error_code& ec) {
  ec = error_;
  if (ec) return std::nullopt;
  auto m = decode_message(buffered(), max_, ec);
  if (!m) {
    error_ = ec;
    return std::nullopt;
  }
  pos_ += m->size;  // buf_ itself changes only in feed() and take_buffered()
  return m->content;
}

Bytes MessageReader::take_buffered() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
    return {};
  }
  // The rest moves to the front and buf_ itself is handed out: no copy into a new allocation.
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
  pos_ = 0;
  return std::exchange(buf_, Bytes{});
}

}  // namespace lp2p::multistream
