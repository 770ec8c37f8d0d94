# LP2P_BUILD_FUZZERS=ON: build every tests/fuzz/fuzz_<name>.cpp as a libFuzzer binary `fuzz_<name>`.
# Needs clang (CC=clang CXX=clang++). The library is instrumented for coverage, ASan and UBSan.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "LP2P_BUILD_FUZZERS needs clang: configure with CXX=clang++")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
