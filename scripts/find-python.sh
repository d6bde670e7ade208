#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 (3.12, the proven one, first): a working one on PATH, else one under pyenv.
set -u
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for candidate in python3.12 python3.13 python3.14 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && ok "$candidate"; then
    command -v "$candidate"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -V); do
    candidate="$(pyenv prefix "$version" 2>/dev/null)/bin/python3"
    if [ -x "$candidate" ] && ok "$candidate"; then echo "$candidate"; exit 0; fi
  done
fi
echo "error: Python 3.12 or newer is needed: put python3.12 on PATH or install it with pyenv (pyenv install 3.12)" >&2
exit 1
