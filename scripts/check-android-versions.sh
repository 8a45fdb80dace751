#!/usr/bin/env bash
# Sanity check of the Android app's pinned versions (gradle/libs.versions.toml and
# android/gradle/wrapper/gradle-wrapper.properties): every declared artifact exists on its
# repository, and the documented compatibility rules between them hold. Prints a table.
# Optional, NOT a test.sh stage: it needs Google's Maven repository, which the project's CI
# does not use. Run it as KILN_GOOGLE_MAVEN=… KILN_MAVEN_CENTRAL=… [KILN_GRADLE_PLUGIN_PORTAL=…]
# scripts/check-android-versions.sh (the addresses: scripts/android-repos.sh).
#
# Repositories: Google Maven (AGP, AndroidX, R8), Maven Central (Kotlin, JNA), the Gradle
# plugin portal (plugin markers, when its address is given). A repository may not list every
# version (a partial copy of it, say), so versions only named by the Compose BOM are
# reported when not found, not failed.
#
# Compatibility facts (looked up, not guessed; docs/android-build.md cites them):
#   AGP 8.13 release notes (developer.android.com/build/releases/agp-8-13-0-release-notes):
#     minimum Gradle 8.13, maximum API level 36, JDK 17, build tools >= 35.0.0;
#     8.13.2 bundles R8 8.13.19, the first 8.13 R8 that supports Kotlin 2.3.
#   developer.android.com/build/kotlin-support: Kotlin 2.4 needs AGP 8.5.2+ and R8 9.1.29.
set -euo pipefail
cd "$(dirname "$0")/.."

# The repositories (google, central, portal): set and answering, or stop here.
source scripts/android-repos.sh
toml=gradle/libs.versions.toml
wrapper=android/gradle/wrapper/gradle-wrapper.properties

ver() { sed -n "s/^$1 *= *\"\\([^\"]*\\)\".*/\\1/p" "$toml"; }
agp=$(ver agp); kotlin=$(ver kotlin); bom=$(ver compose-bom); activity=$(ver activity-compose)
jna=$(ver jna); r8=$(ver r8); min_sdk=$(ver min-sdk); target_sdk=$(ver target-sdk); compile_sdk=$(ver compile-sdk)
ndk=$(ver ndk)
gradle=$(sed -n 's:.*gradle-\([0-9.]*\)-bin\.zip.*:\1:p' "$wrapper")

fails=0
row() { printf '%-58s %-16s %s\n' "$1" "$2" "$3"; }
bad() { row "$1" "$2" "FAIL: $3"; fails=$((fails + 1)); }

# ge A B: version A >= version B (numeric, dot-separated)
ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" == "$2" ]]; }

# exists REPO_URL G:A:V EXT -> 0 if the file answers 200 with content
exists() {
  local base=$1 coord=$2 ext=$3 g a v
  IFS=: read -r g a v <<<"$coord"
  local url="$base/${g//.//}/$a/$v/$a-$v.$ext"
  local code
  code=$(curl -s -o /dev/null -m 30 -w '%{http_code}:%{size_download}' "$url" || true)
  [[ "$code" == 200:* && "$code" != "200:0" ]]
}

check() { # name coord ext repo-url repo-name [info]
  local name=$1 coord=$2 ext=$3 base=$4 repo=$5 info=${6:-}
  if exists "$base" "$coord" "$ext"; then
    row "$name ($coord@$ext)" "$repo" "ok"
  elif [[ -n "$info" ]]; then
    row "$name ($coord@$ext)" "$repo" "not found (named only by the BOM; see header)"
  else
    bad "$name ($coord@$ext)" "$repo" "not found"
  fi
}

printf '\n%-58s %-16s %s\n' "artifact / rule" "where" "result"
printf '%s\n' "$(printf '%.0s-' {1..100})"
check "AGP" "com.android.tools.build:gradle:$agp" pom "$google" google
check "AGP plugin marker" "com.android.application:com.android.application.gradle.plugin:$agp" pom "$google" google
check "Kotlin Gradle plugin" "org.jetbrains.kotlin:kotlin-gradle-plugin:$kotlin" pom "$central" central
for id in org.jetbrains.kotlin.android org.jetbrains.kotlin.plugin.compose; do
  if exists "$central" "$id:$id.gradle.plugin:$kotlin" pom; then
    row "plugin marker $id:$kotlin" central ok
  elif [[ -n $portal ]] && exists "$portal" "$id:$id.gradle.plugin:$kotlin" pom; then
    row "plugin marker $id:$kotlin" plugin-portal ok
  else
    bad "plugin marker $id:$kotlin" "central/portal" "not found"
  fi
done
check "Compose compiler plugin" "org.jetbrains.kotlin:kotlin-compose-compiler-plugin-embeddable:$kotlin" jar "$central" central
check "Compose BOM" "androidx.compose:compose-bom:$bom" pom "$google" google
bom_pom=$(curl -fsS -m 30 "$google/androidx/compose/compose-bom/$bom/compose-bom-$bom.pom" || true)
bom_ver() { # artifactId -> version in the BOM
  awk -v a="$1" '/<artifactId>/{gsub(/.*<artifactId>|<\/artifactId>.*/,""); cur=$0}
                 /<version>/{if (cur==a){gsub(/.*<version>|<\/version>.*/,""); print; exit}}' <<<"$bom_pom"
}
for m in ui:androidx.compose.ui foundation:androidx.compose.foundation material3:androidx.compose.material3 \
         ui-tooling:androidx.compose.ui ui-tooling-preview:androidx.compose.ui; do
  a=${m%%:*}; g=${m#*:}; v=$(bom_ver "$a")
  if [[ -z "$v" ]]; then bad "BOM $bom entry for $g:$a" google "missing from the BOM"; continue; fi
  check "  BOM -> $a" "$g:$a:$v" pom "$google" google info
done
check "activity-compose" "androidx.activity:activity-compose:$activity" aar "$google" google
check "JNA (jar)" "net.java.dev.jna:jna:$jna" jar "$central" central
check "JNA (aar, per-ABI libjnidispatch.so)" "net.java.dev.jna:jna:$jna" aar "$central" central
if [[ -n "$r8" ]]; then
  check "R8 (pinned)" "com.android.tools:r8:$r8" pom "$google" google
fi
row "NDK $ndk" "sdk repository" "not checked (the SDK repository's index is not a Maven repository)"

agp_mm=$(cut -d. -f1,2 <<<"$agp")
if [[ "$agp_mm" == 8.13 ]]; then
  if ge "$gradle" 8.13; then row "Gradle wrapper $gradle >= AGP 8.13 minimum 8.13" docs ok
  else bad "Gradle wrapper $gradle >= AGP 8.13 minimum 8.13" docs "too old"; fi
  for s in compileSdk:$compile_sdk targetSdk:$target_sdk; do
    if ((${s#*:} <= 36)); then row "${s%%:*} ${s#*:} <= AGP 8.13 maximum API 36" docs ok
    else bad "${s%%:*} ${s#*:} <= AGP 8.13 maximum API 36" docs "above what AGP 8.13 supports"; fi
  done
else
  row "Gradle/API limits for AGP $agp" docs "not known to this script (it knows AGP 8.13): look them up"
fi
if ((min_sdk <= target_sdk && target_sdk <= compile_sdk)); then row "minSdk $min_sdk <= targetSdk $target_sdk <= compileSdk $compile_sdk" toml ok
else bad "minSdk $min_sdk <= targetSdk $target_sdk <= compileSdk $compile_sdk" toml "out of order"; fi

kotlin_mm=$(cut -d. -f1,2 <<<"$kotlin")
if [[ "$kotlin_mm" == 2.4 ]]; then
  if ge "$agp" 8.5.2; then row "Kotlin $kotlin needs AGP >= 8.5.2 (have $agp)" docs ok
  else bad "Kotlin $kotlin needs AGP >= 8.5.2 (have $agp)" docs "AGP too old"; fi
  # AGP 8.13.x bundles R8 8.13.x; Kotlin 2.4 metadata needs R8 >= 9.1.29 (release builds shrink).
  if [[ -n "$r8" ]] && ge "$r8" 9.1.29; then row "Kotlin $kotlin needs R8 >= 9.1.29 (pinned $r8)" docs ok
  else bad "Kotlin $kotlin needs R8 >= 9.1.29" docs "AGP $agp bundles an older R8 and no newer R8 is pinned"; fi
else
  row "Kotlin $kotlin vs AGP/R8" docs "not known to this script (it knows Kotlin 2.4): look it up"
fi

echo
if ((fails)); then echo "android versions: $fails problem(s)"; exit 1; fi
echo "android versions: OK"
