# LP2P_SANITIZE=ON builds everything (library, tests, examples) with ASan + UBSan (LeakSanitizer is part
# of ASan on Linux). UBSan findings abort so that ctest reports them as failures.
if(LP2P_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
