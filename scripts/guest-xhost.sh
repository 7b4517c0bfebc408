#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside each of the two test VMs of make check's cross-host stage:
# this host's MigTD, then its VMM's part of each scenario. The source
# runs the scenarios one after another; the destination serves them and
# says, per migration, whether it ended as the scenario wants.
#
#   xhost.sh src|dst <this host's address> <the other host's address>

role=$1 ip=$2 peer=$3
mark() { echo "=== TDXMIG $*"; }

# The scenarios (source's options) and what the destination must see.
SCENARIOS="
precopy-prebound:-M precopy -s 2 -H /tmp/migtd.hash
postcopy-3-streams:-M postcopy-multistream -s 3
cut-while-live-then-again:-M precopy -s 2 -k live
cut-in-blackout-then-again:-M precopy -s 2 -k blackout
cut-after-postcopy-commit:-M postcopy -s 2 -k postcopy
"
DST_EXPECT=ok,ok,abort,ok,abort,ok,lost

# A destination MigTD listens on its own address, a source's connects to its peer.
[ "$role" = dst ] && migtd_addr=$ip || migtd_addr=$peer
/tests/tdx_mig_migtd -t "$role" -a "$migtd_addr" -H /tmp/migtd.hash > /tmp/migtd.log 2>&1 &
migtd=$!
for i in $(seq 100); do
	grep -q 'Loop to wait' /tmp/migtd.log && break
	sleep 0.1
done

# "ok N name" or "not ok N name", and the output as TAP comments.
tap() {
	n=$1 name=$2 rc=$3 out=$4
	[ "$rc" = 0 ] && echo "ok $n $name" || echo "not ok $n $name (exit $rc)"
	sed 's/^/# /' "$out"
}

if [ "$role" = dst ]; then
	n=$(echo "$DST_EXPECT" | tr ',' '\n' | wc -l)
	/tests/tdx_mig_xhost dst -m "$migtd" -a "$ip" -n "$n" -e "$DST_EXPECT" \
		-H /tmp/migtd.hash > /tmp/dst.log 2>&1
	rc=$?
	mark "SELFTEST BEGIN xhost/destination rc=0"
	echo "1..$((n + 1))"
	i=0
	for want in $(echo "$DST_EXPECT" | tr ',' ' '); do
		i=$((i + 1))
		got=$(sed -nE "s/^dst: migration $i: (ok|abort|lost)\b.*/\1/p" /tmp/dst.log)
		[ "$got" = "$want" ] && echo "ok $i migration $i ended $want" ||
			echo "not ok $i migration $i ended '${got:-nothing}', not $want"
	done
	tap $((n + 1)) "destination VMM exit status" "$rc" /tmp/dst.log
	mark "SELFTEST END xhost/destination"
else
	mark "SELFTEST BEGIN xhost/source rc=0"
	echo "1..$(echo "$SCENARIOS" | grep -c :)"
	i=0
	echo "$SCENARIOS" | grep : | while IFS=: read -r name opts; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		/tests/tdx_mig_xhost src -m "$migtd" -d "$peer" -S 16 -c 2 $opts \
			> /tmp/src.log 2>&1
		tap "$i" "$name" $? /tmp/src.log
	done
	mark "SELFTEST END xhost/source"
fi
kill "$migtd"
mark "MIGTD-LOG BEGIN $role"
grep 'MigTD' /tmp/migtd.log | head -40
mark "MIGTD-LOG END"
