#!/bin/bash
# Builds the .deb with cpack from build dir $1 into a scratch folder and
# checks it: the files (binaries, units, default topology, docs), the
# control data (dependencies from dpkg-shlibdeps, conffiles, maintainer
# scripts), that the packaged tetherd accepts the packaged topology, and
# that systemd-analyze verify finds nothing to say about the units.
# Exit 77 (skipped) when dpkg-deb or cpack is missing.
set -u
build=$1
for tool in dpkg-deb cpack; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (apt-get install dpkg-dev cmake)"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }

if ! (cd "$work" && timeout 240 cpack -G DEB --config "$build/CPackConfig.cmake" \
      >cpack.log 2>&1); then
  cat "$work/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
deb=$(ls "$work"/tether_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$work/cpack.log"; echo "FAIL: no tether_*.deb"; exit 1; }
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/tetherd ./usr/bin/tetherctl ./usr/bin/tether-terminal \
         ./usr/lib/systemd/system/tetherd.service \
         ./usr/lib/systemd/system/tetherd@.service \
         ./etc/tether/topology.toml \
         ./usr/share/doc/tether/README.md ./usr/share/doc/tether/OPERATORS.md \
         ./usr/share/doc/tether/openapi.json; do
  grep -qx "$f" <<<"$files" || problem "$f is not in the package"
done

[ "$(dpkg-deb -f "$deb" Package)" = tether ] || problem "Package is not tether"
depends=$(dpkg-deb -f "$deb" Depends)
grep -q 'libc6' <<<"$depends" || problem "Depends lacks libc6 (shlibdeps): $depends"
grep -q 'adduser' <<<"$depends" || problem "Depends lacks adduser: $depends"
# tetherd signs and verifies connect tokens with libsodium (auth/ed25519.hpp):
# dpkg-shlibdeps must name its runtime package.
grep -q 'libsodium23' <<<"$depends" \
  || problem "Depends lacks libsodium23 (shlibdeps): $depends"
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/tether/topology.toml "$work/control/conffiles" \
  || problem "/etc/tether/topology.toml is not a conffile"
[ -x "$work/control/postinst" ] || problem "no executable postinst"
grep -q 'adduser --system' "$work/control/postinst" \
  || problem "postinst does not create the system user"
grep -q "try-restart tetherd.service 'tetherd@\*.service'" \
  "$work/control/postinst" \
  || problem "postinst does not restart the services on an upgrade"
grep -q "stop tetherd.service 'tetherd@\*.service'" "$work/control/prerm" \
  || problem "prerm does not stop the per-process instances"

dpkg-deb -x "$deb" "$work/root"
root=$work/root
if ! out=$("$root/usr/bin/tetherd" --check-config "$root/etc/tether/topology.toml" 2>&1); then
  problem "the packaged tetherd refuses the packaged topology: $out"
fi
"$root/usr/bin/tetherctl" --help | grep -q 'EXIT STATUS' \
  || problem "the packaged tetherctl has no --help"

unit=$root/usr/lib/systemd/system/tetherd.service
for key in 'User=tether' 'StateDirectory=tether' 'LimitNOFILE=' \
           'ProtectSystem=strict' 'NoNewPrivileges=yes' \
           'ExecStart=/usr/bin/tetherd --config /etc/tether/topology.toml'; do
  grep -q "^$key" "$unit" || problem "tetherd.service lacks $key"
done
if command -v systemd-analyze >/dev/null; then
  # verify wants the ExecStart binaries where the unit says: point the
  # units at the extracted ones; any word from verify is a problem.
  mkdir -p "$work/units"
  for u in tetherd.service tetherd@.service; do
    sed "s#/usr/bin/tetherd#$root/usr/bin/tetherd#g" \
      "$root/usr/lib/systemd/system/$u" >"$work/units/${u/@/@control}"
  done
  for u in "$work/units"/*.service; do
    out=$(systemd-analyze verify "$u" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$out" ]; then
      problem "systemd-analyze verify $(basename "$u"): $out"
    fi
  done
else
  echo "note: systemd-analyze not installed, units checked by grep only"
fi
[ $fail -eq 0 ] && echo "ok: $(grep -c . <<<"$files") entries"
exit $fail
