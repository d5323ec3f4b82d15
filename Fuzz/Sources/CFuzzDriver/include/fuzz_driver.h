#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs with a main of their own (LLVM 11 and later).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
