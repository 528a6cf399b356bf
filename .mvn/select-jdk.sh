# Sourced by ./mvnw, ./gatehouse and the bench scripts: make JAVA_HOME point at a JDK >= 21 when the one on hand is
# older. The machines we build on ship JDK 17 as the default java and a newer JDK beside it under /usr/lib/jvm.
gatehouse_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

# Prints the home of the newest JDK among JAVA_HOME and the usual install places; nothing when there is none.
gatehouse_newest_jdk() {
  gh_best=; gh_best_v=0
  gh_noglob=; case $- in *f*) gh_noglob=1; set +f ;; esac
  for gh_home in "${JAVA_HOME:-/nonexistent}" /usr/lib/jvm/* /opt/java/* /opt/jdk* \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$gh_home/bin/javac" ] || continue
    gh_v=$(gatehouse_java_major "$gh_home")
    if [ "${gh_v:-0}" -gt "$gh_best_v" ]; then gh_best="$gh_home"; gh_best_v="$gh_v"; fi
  done
  [ -z "$gh_noglob" ] || set -f
  printf '%s' "$gh_best"
}

gatehouse_select_jdk() {
  gh_min=21
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    gh_v=$(gatehouse_java_major "$JAVA_HOME")
    [ "${gh_v:-0}" -ge "$gh_min" ] && return 0
  elif gh_java=$(command -v javac 2>/dev/null) && [ -n "$gh_java" ]; then
    gh_home=$(dirname "$(dirname "$(readlink -f "$gh_java")")")
    gh_v=$(gatehouse_java_major "$gh_home")
    if [ "${gh_v:-0}" -ge "$gh_min" ]; then export JAVA_HOME="$gh_home"; return 0; fi
  fi
  gh_newest=$(gatehouse_newest_jdk)
  if [ -n "$gh_newest" ] && [ "$(gatehouse_java_major "$gh_newest")" -ge "$gh_min" ]; then
    export JAVA_HOME="$gh_newest"
    return 0
  fi
  echo "Gatehouse needs a JDK $gh_min or newer; none was found in JAVA_HOME, on PATH or under /usr/lib/jvm." >&2
  return 1
}
gatehouse_select_jdk
