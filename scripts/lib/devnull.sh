# Sourced by the scripts that run cargo. /dev/null must be the null device. On some machines it is
# a regular file: every program that "discards" output into it writes there, and every program
# whose stdin is /dev/null reads that text back. cargo's target-info probe (`rustc -` with stdin
# from /dev/null) then compiles a build script's error text and cargo stops with "failed to run
# rustc to learn about target-specific information". Repair it when we may (root), otherwise stop
# with the fix.
# The device is made under another name and renamed over /dev/null (atomic): between an `rm` and a
# `mknod`, any process redirecting to /dev/null would create a regular file again.
if [ ! -c /dev/null ]; then
  tmp_null=/dev/.null.$$
  if [ "$(id -u)" = 0 ] && rm -f "$tmp_null" && mknod -m 666 "$tmp_null" c 1 3 && mv -f "$tmp_null" /dev/null; then
    echo "warning: /dev/null was a regular file, not the null device; recreated it (mknod c 1 3)" >&2
    # a target-info probe cached while /dev/null was broken is wrong
    rm -f target/.rustc_info.json
  else
    rm -f "$tmp_null" 2>/dev/null || true
    echo "error: /dev/null is not the null device; as root: mknod -m 666 /dev/.null c 1 3 && mv -f /dev/.null /dev/null" >&2
    exit 1
  fi
fi
