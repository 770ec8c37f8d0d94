// Fuzz target: the streaming uvarint length-prefixed frame reader. Byte 0 picks the chunk size and the
// maximum frame size; the rest is fed in chunks. Invariant: without an error, the frames re-encoded plus
// take_remaining() give back exactly the bytes fed (nothing lost, nothing invented).
#include "lp2p/codec/frame.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + (data[0] & 0x0f);
  const std::size_t max = (data[0] & 0x80) ? 4096 : 16;
  lp2p::BytesView in(data + 1, size - 1);
  (void)lp2p::codec::decode_frame(in, max);

  lp2p::codec::FrameReader reader(max);
  lp2p::Bytes rebuilt;
  bool failed = false;
  for (std::size_t pos = 0; pos < in.size() && !failed; pos += chunk) {
    reader.feed(in.subspan(pos, std::min(chunk, in.size() - pos)));
    for (;;) {
      auto f = reader.next();
      if (!f) {
        failed = true;
        break;
      }
      if (!*f) break;
      if ((*f)->size() > max) std::abort();
      lp2p::codec::append_frame(rebuilt, **f);
    }
  }
  if (!failed) {
    auto rest = reader.take_remaining();
    rebuilt.insert(rebuilt.end(), rest.begin(), rest.end());
    if (rebuilt.size() != in.size() || !std::equal(rebuilt.begin(), rebuilt.end(), in.begin())) std::abort();
  }
  reader.feed_eof();
  (void)reader.next();
  return 0;
}
