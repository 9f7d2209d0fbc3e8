#!/bin/sh
# Download the wheels of benchmarks/gpu/wheels.txt into .whl/ (git-ignored) at
# the repository's root, for the lent H200's Python 3.12 on x86-64. Run it here,
# where pip reaches PyPI; the device reaches nothing.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p .whl
grep -v '^#' benchmarks/gpu/wheels.txt | grep -v '^ *$' | while read -r spec; do
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl "$spec"
done
ls -l .whl
du -ch .whl/*.whl | tail -n 1
