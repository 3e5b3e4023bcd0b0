#!/usr/bin/env bash
# checksrc.sh - the written rules of STYLE.md that a compiler does not check:
# banned functions, // comments, trailing whitespace, tabs, assignment in
# if conditions, raw malloc/free outside alloc.c, and a header comment at
# the top of every .c file; and the include rule of the layer map
# (tools/check-includes.sh). Prints FILE:LINE: rule for each finding.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 2>/dev/null || find src include -name '*.[ch]')
for f in $files; do
  [[ -f "$f" ]] || continue
  awk -v file="$f" '
    BEGIN { bad = 0; in_str = 0 }
    {
      line = $0
      code = line
      gsub(/"([^"\\]|\\.)*"/, "\"\"", code)        # drop string literals
      if (in_comment) {
        if (index(code, "*/")) { code = substr(code, index(code, "*/") + 2); in_comment = 0 }
        else code = ""
      }
      gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", code)  # drop one-line comments
      if (index(code, "/*")) { code = substr(code, 1, index(code, "/*") - 1); in_comment = 1 }
      if (line ~ /[ \t]+$/) { print file ":" NR ": trailing whitespace"; bad = 1 }
      if (line ~ /\t/) { print file ":" NR ": tab character"; bad = 1 }
      if (code ~ /(^|[^:])\/\// && code !~ /\/\*.*\/\/.*\*\//) { print file ":" NR ": // comment"; bad = 1 }
      if (code ~ /(^|[^a-z_])(strcpy|strcat|strncpy|strncat|sprintf|vsprintf|gets|strtok|strtok_r|atoi|atol|atof|gmtime|localtime|ctime|asctime|mktemp|tmpnam|alloca|system|popen|rand)[ ]*\(/ && file !~ /banned\.h$/) {
        print file ":" NR ": banned function"; bad = 1
      }
      if (code ~ /(^|[^a-z_])signal[ ]*\(/ && file !~ /banned\.h$/) { print file ":" NR ": banned function signal"; bad = 1 }
      if (code ~ /(^|[^a-z_])str(tol|toul|tod|toll|toull)[ ]*\(/ && line !~ /checksrc: ok/ && file !~ /parse\.c$/) {
        print file ":" NR ": bare strtol family (use pcn_parse_*)"; bad = 1
      }
      if (code ~ /(^|[^a-z_])(malloc|calloc|realloc|free)[ ]*\(/ && file !~ /alloc\.c$/ && line !~ /checksrc: ok/) {
        print file ":" NR ": raw allocation (use pcn_malloc/pcn_free)"; bad = 1
      }
      if (code ~ /(^|[^a-z_])(if|while)[ ]*\(.*[^=!<>]=[^=].*\)/ && code !~ /==|!=|<=|>=/) {
        print file ":" NR ": assignment in condition"; bad = 1
      }
      if (NR == 1 && file ~ /\.c$/ && line !~ /^\/\*/) { print file ":1: missing file header comment"; bad = 1 }
    }
    END { exit bad }
  ' "$f" || status=1
done
tools/check-includes.sh || status=1
exit $status
