# Sourced by ./mvnw and ./hydrogen: points JAVA_HOME at a JDK whose major version is at least 21.
# Keeps a suitable JAVA_HOME; otherwise tries the `java` on PATH, then the usual install folders.
# Stops with a message saying what to install when there is none. POSIX sh.

hydrogen_jdk_major() {
  # $1: a JDK home. Prints its major version, or nothing when it is not a JDK.
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

hydrogen_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ "$(hydrogen_jdk_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  hydrogen_path_java=$(command -v javac 2>/dev/null || true)
  if [ -n "$hydrogen_path_java" ]; then
    hydrogen_path_java=$(dirname "$(dirname "$(readlink -f "$hydrogen_path_java")")")
  fi
  hydrogen_glob_was_off=false
  case $- in *f*) hydrogen_glob_was_off=true; set +f ;; esac
  for hydrogen_candidate in "$hydrogen_path_java" /usr/lib/jvm/* /opt/java/* /opt/jdk* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$hydrogen_candidate" ] && [ -d "$hydrogen_candidate" ] || continue
    if [ "$(hydrogen_jdk_major "$hydrogen_candidate")" -ge 21 ] 2>/dev/null; then
      JAVA_HOME=$hydrogen_candidate
      export JAVA_HOME
      break
    fi
  done
  if $hydrogen_glob_was_off; then set -f; fi
  [ -z "${JAVA_HOME-}" ] || [ "$(hydrogen_jdk_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null || return 0
  echo "hydrogen: no JDK 21 or newer found (looked at JAVA_HOME, PATH and /usr/lib/jvm)." >&2
  echo "hydrogen: install one (e.g. 'apt-get install openjdk-21-jdk-headless') or set JAVA_HOME to it." >&2
  exit 1
}

hydrogen_find_jdk

# Maven 3.9 and protobuf still call sun.misc.Unsafe; JDK 24+ warns about it on every run.
HYDROGEN_JAVA_FLAGS=
if [ "$(hydrogen_jdk_major "$JAVA_HOME")" -ge 24 ] 2>/dev/null; then
  HYDROGEN_JAVA_FLAGS=--sun-misc-unsafe-memory-access=allow
  case "${MAVEN_OPTS-}" in
    *sun-misc-unsafe-memory-access*) ;;
    *) MAVEN_OPTS="${MAVEN_OPTS-} $HYDROGEN_JAVA_FLAGS"; export MAVEN_OPTS ;;
  esac
fi
