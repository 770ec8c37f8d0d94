#include "lp2p/core/multibase.hpp"

#include "lp2p/core/base58.hpp"

#include <array>
#include <vector>

namespace lp2p::multibase {
namespace {

constexpr std::string_view hex_lower = "0123456789abcdef";
constexpr std::string_view hex_upper = "0123456789ABCDEF";
constexpr std::string_view b32_lower = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view b32_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view b64_std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view b64_url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A power-of-two base: each character carries `bits` bits (4, 5 or 6), most significant first.
struct Alphabet {
  std::string_view chars;
  unsigned bits;
  std::array<signed char, 256> reverse;
};

constexpr Alphabet make(std::string_view chars, unsigned bits) {
  Alphabet a{chars, bits, {}};
  for (auto& v : a.reverse) v = -1;
  for (std::size_t i = 0; i < chars.size(); ++i)
    a.reverse[static_cast<unsigned char>(chars[i])] = static_cast<signed char>(i);
  return a;
}

constexpr Alphabet a16l = make(hex_lower, 4);
constexpr Alphabet a16u = make(hex_upper, 4);
constexpr Alphabet a32l = make(b32_lower, 5);
constexpr Alphabet a32u = make(b32_upper, 5);
constexpr Alphabet a64s = make(b64_std, 6);
constexpr Alphabet a64u = make(b64_url, 6);

std::string encode_bits(const Alphabet& a, BytesView data) {
  std::string out;
  out.reserve((data.size() * 8 + a.bits - 1) / a.bits);
  std::uint32_t acc = 0;
  unsigned have = 0;
  const std::uint32_t mask = (1u << a.bits) - 1;
  for (auto b : data) {
    acc = (acc << 8) | b;
    have += 8;
    while (have >= a.bits) {
      have -= a.bits;
      out.push_back(a.chars[(acc >> have) & mask]);
    }
    acc &= (1u << have) - 1;  // keep only the unconsumed bits so acc never overflows
  }
  if (have > 0) out.push_back(a.chars[(acc << (a.bits - have)) & mask]);
  return out;
}

result<Bytes> decode_bits(const Alphabet& a, std::string_view text) {
  // A text length is possible only if its leftover bits (after whole bytes) are fewer than one
  // character's worth: e.g. base32 never ends with 1, 3 or 6 characters of a final group.
  const std::size_t total_bits = text.size() * a.bits;
  if (total_bits % 8 >= a.bits) return error_code(core::error::base_invalid_length);
  Bytes out;
  out.reserve(total_bits / 8);
  std::uint32_t acc = 0;
  unsigned have = 0;
  for (char ch : text) {
    if (ch == '=') return error_code(core::error::base_invalid_padding);
    const int v = a.reverse[static_cast<unsigned char>(ch)];
    if (v < 0) return error_code(core::error::base_invalid_character);
    acc = (acc << a.bits) | static_cast<std::uint32_t>(v);
    have += a.bits;
    if (have >= 8) {
      have -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> have));
      acc &= (1u << have) - 1;
    }
  }
  // The bits left over pad the last character and must be zero (canonical encoding).
  if (acc != 0) return error_code(core::error::base_invalid_padding);
  return out;
}

// Big-number bases (base36): the data is one big-endian integer written in the base, with each
// leading zero byte kept as a leading zero digit so that the mapping is a bijection.
constexpr std::string_view b36_lower = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view b36_upper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::string encode_big(std::string_view alphabet, BytesView in) {
  const unsigned base = static_cast<unsigned>(alphabet.size());
  std::size_t zeros = 0;
  while (zeros < in.size() && in[zeros] == 0) ++zeros;
  std::vector<std::uint8_t> digits;  // least significant first
  digits.reserve(in.size() * 2);
  for (std::size_t i = zeros; i < in.size(); ++i) {
    unsigned carry = in[i];
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % base);
      carry /= base;
    }
    while (carry) {
      digits.push_back(static_cast<std::uint8_t>(carry % base));
      carry /= base;
    }
  }
  std::string out(zeros, alphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(alphabet[*it]);
  return out;
}

result<Bytes> decode_big(std::string_view alphabet, std::string_view text) {
  const unsigned base = static_cast<unsigned>(alphabet.size());
  std::size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == alphabet[0]) ++zeros;
  std::vector<std::uint8_t> bytes;  // least significant first
  bytes.reserve(text.size());
  for (std::size_t i = zeros; i < text.size(); ++i) {
    const auto pos = alphabet.find(text[i]);
    if (pos == std::string_view::npos) return error_code(core::error::base_invalid_character);
    unsigned carry = static_cast<unsigned>(pos);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * base;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes out(zeros, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

}  // namespace

std::string base36_lower_encode(BytesView data) { return encode_big(b36_lower, data); }
result<Bytes> base36_lower_decode(std::string_view text) { return decode_big(b36_lower, text); }

std::string base16_encode(BytesView data) { return encode_bits(a16l, data); }
result<Bytes> base16_decode(std::string_view text) { return decode_bits(a16l, text); }
std::string base32_lower_encode(BytesView data) { return encode_bits(a32l, data); }
result<Bytes> base32_lower_decode(std::string_view text) { return decode_bits(a32l, text); }
std::string base32_upper_encode(BytesView data) { return encode_bits(a32u, data); }
result<Bytes> base32_upper_decode(std::string_view text) { return decode_bits(a32u, text); }
std::string base64_encode(BytesView data) { return encode_bits(a64s, data); }
result<Bytes> base64_decode(std::string_view text) { return decode_bits(a64s, text); }
std::string base64url_encode(BytesView data) { return encode_bits(a64u, data); }
result<Bytes> base64url_decode(std::string_view text) { return decode_bits(a64u, text); }

std::string encode(Base base, BytesView data) {
  std::string body;
  switch (base) {
    case Base::base16: body = encode_bits(a16l, data); break;
    case Base::base16upper: body = encode_bits(a16u, data); break;
    case Base::base32: body = encode_bits(a32l, data); break;
    case Base::base32upper: body = encode_bits(a32u, data); break;
    case Base::base36: body = encode_big(b36_lower, data); break;
    case Base::base36upper: body = encode_big(b36_upper, data); break;
    case Base::base58btc: body = base58::encode(data); break;
    case Base::base64: body = encode_bits(a64s, data); break;
    case Base::base64url: body = encode_bits(a64u, data); break;
  }
  body.insert(body.begin(), static_cast<char>(base));
  return body;
}

result<Bytes> decode(std::string_view text, Base* base_out) {
  if (text.empty()) return error_code(core::error::multibase_empty);
  const auto base = static_cast<Base>(text.front());
  const auto body = text.substr(1);
  result<Bytes> r = error_code(core::error::multibase_unsupported);
  switch (base) {
    case Base::base16: r = decode_bits(a16l, body); break;
    case Base::base16upper: r = decode_bits(a16u, body); break;
    case Base::base32: r = decode_bits(a32l, body); break;
    case Base::base32upper: r = decode_bits(a32u, body); break;
    case Base::base36: r = decode_big(b36_lower, body); break;
    case Base::base36upper: r = decode_big(b36_upper, body); break;
    case Base::base58btc: r = base58::decode(body); break;
    case Base::base64: r = decode_bits(a64s, body); break;
    case Base::base64url: r = decode_bits(a64u, body); break;
    default: return error_code(core::error::multibase_unsupported);
  }
  if (r && base_out) *base_out = base;
  return r;
}

}  // namespace lp2p::multibase
