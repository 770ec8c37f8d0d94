// Fuzz target: the transport Decrypter fed arbitrary bytes in arbitrary chunks.
// Input: byte 0 = chunk size (1..256, 0 meaning all at once); the rest is wire bytes. The key is fixed
// (32 bytes of 0x07), so seeds made with it decrypt. Invariant: no crash; once the decrypter reports an
// error it keeps reporting it; every plaintext is at most 65519 bytes.
#include "lp2p/codec/noise/transport_framing.hpp"

#include <cstdlib>

using namespace lp2p;
using namespace lp2p::noise;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Key key;
  key.fill(0x07);
  Decrypter dec{CipherState(key)};
  const std::size_t chunk = data[0] == 0 ? size : data[0];
  BytesView wire(data + 1, size - 1);
  error_code failed;
  while (!wire.empty()) {
    const std::size_t n = std::min(chunk, wire.size());
    dec.feed(wire.first(n));
    wire = wire.subspan(n);
    for (;;) {
      auto r = dec.next_plaintext_view();
      if (!r) {
        if (failed && r.error() != failed) std::abort();
        failed = r.error();
        break;
      }
      if (failed) std::abort();  // errors are sticky
      if (!*r) break;
      if ((*r)->size() > max_plaintext_size) std::abort();
    }
  }
  return 0;
}
