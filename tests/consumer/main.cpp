// Built against the installed lp2p package by the consumer.find_package ctest.
#include <lp2p/core/base58.hpp>
#include <lp2p/core/multihash.hpp>

#include <cstdio>

int main() {
  const auto mh = lp2p::Multihash::sha2_256(lp2p::as_bytes("lp2p"));
  const auto text = lp2p::base58::encode(mh.bytes());
  auto back = lp2p::base58::decode(text);
  if (!back || *back != mh.bytes()) return 1;
  std::printf("consumer: sha2-256 multihash of \"lp2p\" = %s\n", text.c_str());
  return 0;
}
