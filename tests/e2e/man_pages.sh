# The manual pages docs/man/mstrc.1 and docs/man/mstr-job.1 name the options (and, for a job,
# the environment variables) that `mstrc --help` and a compiled job's `--help` list: no more,
# no fewer. Options in a page are the words after .TP in its OPTIONS section (mstrc's commands
# those in COMMANDS), with troff's \- read as -.
set -eu
cd "$ROOT"
out=$WORK/man
mkdir -p "$out"

# section_items PAGE SECTION: the first word of each .TP item of that section, one per line,
# and the MSTR_ variable in parentheses on the line after it, if any
section_items() {
    awk -v want="$2" '
        /^\.SH / { in_section = ($2 == want); next }
        !in_section { next }
        /^\.TP/ { item = 1; next }
        item == 1 { sub(/^\.[A-Z]+ /, ""); gsub(/\\-/, "-"); split($0, w, /[ "]/); first = w[1]; item = 2; next }
        item == 2 { env = ""; if (match($0, /MSTR_[A-Z_]+/)) env = " " substr($0, RSTART, RLENGTH)
                    print first env; item = 0 }
    ' "$1" | sort
}

# mstrc: options and commands
"$MSTRC" --help > "$out/mstrc.help"
awk '/^options:/ { o = 1; next } /^$/ { o = 0 } o && /^  -/ { print $1 }' "$out/mstrc.help" |
    sort > "$out/help.options"
section_items docs/man/mstrc.1 OPTIONS | awk '{ print $1 }' > "$out/man.options"
diff -u "$out/help.options" "$out/man.options"
awk '/^commands:/ { c = 1; next } /^$/ { c = 0 } c && /^  [a-z]/ { print $1 }' "$out/mstrc.help" |
    sort > "$out/help.commands"
section_items docs/man/mstrc.1 COMMANDS | awk '{ print $1 }' > "$out/man.commands"
diff -u "$out/help.commands" "$out/man.commands"
[ "$(wc -l < "$out/help.commands")" -ge 6 ]

# a job: every option with its environment variable
"$MSTRC" build examples/look_ma_im_streaming.mstr -o "$out/job"
"$out/job" --help > "$out/job.help"
awk '/^  --/ { env = ($2 ~ /^MSTR_/) ? " " $2 : ($3 ~ /^MSTR_/) ? " " $3 : ""; print $1 env }' \
    "$out/job.help" | sort > "$out/help.job"
section_items docs/man/mstr-job.1 OPTIONS > "$out/man.job"
diff -u "$out/help.job" "$out/man.job"
[ "$(wc -l < "$out/help.job")" -ge 15 ]
