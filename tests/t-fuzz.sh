#!/bin/sh
# The libFuzzer targets in make check: regression inputs, then FUZZ_SECONDS (default 10, CI 30)
# of fuzzing each from corpora seeded with real inputs.  "make fuzz FUZZ_SECONDS=600" by hand.
. tests/lib.sh
[ -n "${FUZZ_BINS:-}" ] || { skip "fuzz: no targets given (run through make check)"; exit 0; }
tests/fuzz/run "${FUZZ_SECONDS:-10}" $FUZZ_BINS
