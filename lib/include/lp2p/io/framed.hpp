// Exact reads and unsigned-varint length-prefixed frames over a ByteStream: the framing of
// multistream-select (WIRE.md §1.1), identify, relay v2 and DCUtR messages (WIRE.md §2.1, §3):
// <uvarint length><length bytes>, https://github.com/multiformats/unsigned-varint.
//
// Reads never consume bytes past the end of the frame: the varint is read one byte at a time and the
// body exactly, so whatever follows (the next protocol layer's bytes) stays in the stream.
#pragma once

#include "lp2p/io/byte_stream.hpp"

namespace lp2p::io {

/// Fills `buf` completely.
/// @return asio::error::eof if the stream ended before the first byte; io::error::eof_before_frame_end if
///         it ended after some bytes; otherwise the stream's error.
asio::awaitable<result<void>> read_exact(ByteStream& stream, std::span<std::uint8_t> buf);

/// Reads one uvarint length-prefixed frame and returns its body (possibly empty).
/// @param max_size largest accepted body; a longer prefix fails before any body byte is read.
/// @return asio::error::eof (clean end before the frame), io::error::eof_before_frame_end,
///         io::error::frame_too_large, core::error::varint_overlong / varint_not_minimal, or the stream's
///         error.
asio::awaitable<result<Bytes>> read_uvarint_frame(ByteStream& stream, std::size_t max_size);

/// Writes <uvarint body.size()><body> with a single write_all (one segment for small frames).
asio::awaitable<result<void>> write_uvarint_frame(ByteStream& stream, BytesView body);

}  // namespace lp2p::io
