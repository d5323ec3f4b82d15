#include "fuzz_driver.h"

/* Each fuzz target defines LLVMFuzzerTestOneInput in Swift. SwiftPM links an
   executable's entry point as <Target>_main; these hand control to libFuzzer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

int FuzzFrontMatter_main(int argc, char **argv) { return run(argc, argv); }
int FuzzYAML_main(int argc, char **argv) { return run(argc, argv); }
int FuzzSlug_main(int argc, char **argv) { return run(argc, argv); }
int FuzzMarkdown_main(int argc, char **argv) { return run(argc, argv); }
