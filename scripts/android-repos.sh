# shellcheck shell=bash
# Sourced by the two Android checks that run outside CI (scripts/androidx-compile-check.sh,
# scripts/check-android-versions.sh): the Maven repositories they read, as the Gradle build
# names them (google(), mavenCentral(), gradlePluginPortal()). Their base addresses come from
# the environment, so this project names no download host:
#   KILN_GOOGLE_MAVEN          Google's Maven repository (AGP, AndroidX, R8)
#   KILN_MAVEN_CENTRAL         Maven Central (Kotlin, JNA, android-all)
#   KILN_GRADLE_PLUGIN_PORTAL  the Gradle plugin portal (optional: plugin markers only)
# The base address is the one under which group/artifact/version paths start, the address
# Gradle uses for that repository. Stops with what to set when one is missing, and when
# Google's repository does not answer.
google="${KILN_GOOGLE_MAVEN:-}"
central="${KILN_MAVEN_CENTRAL:-}"
portal="${KILN_GRADLE_PLUGIN_PORTAL:-}"
if [[ -z $google || -z $central ]]; then
  echo "This check reads Google's Maven repository and Maven Central: set KILN_GOOGLE_MAVEN and" >&2
  echo "KILN_MAVEN_CENTRAL to their base addresses (the ones Gradle's google() and mavenCentral()" >&2
  echo "use), e.g. KILN_GOOGLE_MAVEN=<address> KILN_MAVEN_CENTRAL=<address> $0" >&2
  exit 2
fi
google=${google%/} central=${central%/} portal=${portal%/}
export KILN_GOOGLE_MAVEN="$google" KILN_MAVEN_CENTRAL="$central"
if ! curl -fsS -o /dev/null -m 20 "$google/androidx/activity/activity-compose/1.10.1/activity-compose-1.10.1.pom" 2>/dev/null; then
  echo "Google's Maven repository does not answer at KILN_GOOGLE_MAVEN ($google): this check needs it." >&2
  exit 1
fi
