#!/bin/sh
# One image, every binary: the first argument names the program, the rest are its flags.
#   xuncha-entrypoint directory --migrate_only=true
#   xuncha-entrypoint gateway
set -eu
if [ $# -lt 1 ]; then
  echo "usage: xuncha-entrypoint <$(ls /opt/xuncha/bin | sed -n 's/^xuncha-\([a-z]*\)$/\1/p' | tr '\n' '|' | sed 's/|$//')> [--key=value...]" >&2
  exit 2
fi
program=$1
shift
case "$program" in
  *[!a-z]*) echo "xuncha-entrypoint: bad program name '$program'" >&2; exit 2 ;;
esac
binary=/opt/xuncha/bin/xuncha-$program
if [ ! -x "$binary" ]; then
  echo "xuncha-entrypoint: this image has no $binary" >&2
  exit 2
fi
exec "$binary" "$@"
