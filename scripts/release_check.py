#!/usr/bin/env python3
"""Checks that every place repeating a release fact agrees with the place it comes from.

Sources: the app's version (gradle/libs.versions.toml: app-version-code, app-version-name), the
NDK (same file), the Rust toolchain and cargo-ndk pins of CI (.github/workflows/android.yml),
and the rendered screens (docs/screens). Places checked against them:

- Cargo.toml's workspace version (kiln and the core) = the app's versionName;
- CHANGELOG.md's newest entry = versionName;
- fastlane/metadata/android/en-US/changelogs/<versionCode>.txt exists;
- the F-Droid recipe (docs/fdroid/org.tokenkiln.app.yml): CurrentVersion/CurrentVersionCode and
  its newest build entry (versionName, versionCode, commit tag v<versionName>, ndk, the Rust
  toolchain given to rustup-init, the cargo-ndk version), and its UpdateCheckData regexes,
  applied to gradle/libs.versions.toml as F-Droid's checkupdates does, find the same version;
- README.md and docs/android-build.md name the same cargo-ndk version and the Gradle version of
  android/gradle/wrapper/gradle-wrapper.properties;
- each phone screenshot in fastlane is byte-identical to the docs/screens file of that name.

Standard library only (Python 3.11+). Run by scripts/test.sh (stage release-metadata).
"""
import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []
oks = []


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def agree(what, found, expected):
    if found == expected:
        oks.append(f"{what}: {found}")
    else:
        problems.append(f"{what}: {found!r}, expected {expected!r}")


def one(pattern, text, what):
    m = re.findall(pattern, text, re.M)
    if len(m) != 1:
        problems.append(f"{what}: found {len(m)} times (pattern {pattern})")
        return None
    return m[0]


def main():
    catalog_text = read("gradle/libs.versions.toml")
    catalog = tomllib.loads(catalog_text)["versions"]
    code_s, name, ndk = catalog.get("app-version-code"), catalog.get("app-version-name"), catalog.get("ndk")
    if not (code_s and code_s.isdigit() and int(code_s) >= 1):
        problems.append(f"gradle/libs.versions.toml: app-version-code {code_s!r} is not a positive integer")
        code_s = "0"
    if not (name and re.fullmatch(r"\d+\.\d+\.\d+", name)):
        problems.append(f"gradle/libs.versions.toml: app-version-name {name!r} is not MAJOR.MINOR.PATCH")
    code = int(code_s)
    print(f"app version (gradle/libs.versions.toml): versionName {name}, versionCode {code}; NDK {ndk}")

    cargo = tomllib.loads(read("Cargo.toml"))
    agree("Cargo.toml workspace version", cargo["workspace"]["package"]["version"], name)

    newest = re.search(r"^## \[([^\]]+)\]", read("CHANGELOG.md"), re.M)
    agree("CHANGELOG.md newest entry", newest and newest.group(1), name)

    changelog = f"fastlane/metadata/android/en-US/changelogs/{code}.txt"
    if os.path.isfile(os.path.join(ROOT, changelog)):
        oks.append(f"{changelog}: present")
    else:
        problems.append(f"{changelog}: missing (the store's text for versionCode {code})")

    workflow = read(".github/workflows/android.yml")
    rust = one(r'^\s+RUST_TOOLCHAIN:\s*"([^"]+)"', workflow, "android.yml RUST_TOOLCHAIN")
    cargo_ndk = one(r'^\s+CARGO_NDK_VERSION:\s*"([^"]+)"', workflow, "android.yml CARGO_NDK_VERSION")
    print(f"CI pins (.github/workflows/android.yml): Rust {rust}, cargo-ndk {cargo_ndk}")

    recipe_rel = "docs/fdroid/org.tokenkiln.app.yml"
    recipe = read(recipe_rel)
    agree(f"{recipe_rel} CurrentVersion", one(r"^CurrentVersion:\s*(\S+)$", recipe, "CurrentVersion"), name)
    agree(f"{recipe_rel} CurrentVersionCode", one(r"^CurrentVersionCode:\s*(\d+)$", recipe, "CurrentVersionCode"),
          str(code))
    builds = re.split(r"^  - versionName:", recipe.split("\nBuilds:\n", 1)[-1].split("\n\n", 1)[0], flags=re.M)
    last = "versionName:" + builds[-1] if len(builds) > 1 else ""
    if not last:
        problems.append(f"{recipe_rel}: no build entry")
    else:
        agree(f"{recipe_rel} newest build versionName", one(r"^versionName:\s*(\S+)$", last, "versionName"), name)
        agree(f"{recipe_rel} newest build versionCode", one(r"^\s+versionCode:\s*(\d+)$", last, "versionCode"),
              str(code))
        agree(f"{recipe_rel} newest build commit", one(r"^\s+commit:\s*(\S+)$", last, "commit"), f"v{name}")
        agree(f"{recipe_rel} newest build ndk", one(r"^\s+ndk:\s*(\S+)$", last, "ndk"), ndk)
        agree(f"{recipe_rel} Rust toolchain", one(r"--default-toolchain\s+(\S+)", last, "--default-toolchain"), rust)
        agree(f"{recipe_rel} cargo-ndk", one(r"cargo install cargo-ndk --version\s+(\S+)", last, "cargo-ndk"),
              cargo_ndk)
    ucd = one(r"^UpdateCheckData:\s*(.+)$", recipe, "UpdateCheckData")
    if ucd:
        parts = ucd.split("|")
        if len(parts) != 4 or parts[0] != "gradle/libs.versions.toml" or parts[2] != ".":
            problems.append(f"{recipe_rel} UpdateCheckData: expected gradle/libs.versions.toml|CODE|.|NAME, found {ucd}")
        else:
            mc, mn = re.search(parts[1], catalog_text), re.search(parts[3], catalog_text)
            agree("F-Droid UpdateCheckData finds versionCode", mc and mc.group(1), str(code))
            agree("F-Droid UpdateCheckData finds versionName", mn and mn.group(1), name)

    wrapper = one(r"^distributionUrl=.*gradle-([0-9.]+)-bin\.zip$",
                  read("android/gradle/wrapper/gradle-wrapper.properties"), "gradle-wrapper.properties distributionUrl")
    for doc in ("README.md", "docs/android-build.md"):
        text = read(doc)
        for what, pattern, expected in (("cargo-ndk", r"cargo-ndk --version (\S+) --locked", cargo_ndk),
                                        ("Gradle wrapper", r"--gradle-version ([0-9.]+)", wrapper)):
            found = sorted(set(re.findall(pattern, text)))
            if found:
                agree(f"{doc} {what} version", ", ".join(found), expected)
            else:
                problems.append(f"{doc}: names no {what} version (pattern {pattern})")

    shots_dir = "fastlane/metadata/android/en-US/images/phoneScreenshots"
    shots = sorted(os.listdir(os.path.join(ROOT, shots_dir)))
    if not shots:
        problems.append(f"{shots_dir}: empty")
    for shot in shots:
        src = os.path.join(ROOT, "docs/screens", shot)
        with open(os.path.join(ROOT, shots_dir, shot), "rb") as f:
            copy = f.read()
        if not os.path.isfile(src):
            problems.append(f"{shots_dir}/{shot}: no docs/screens/{shot} of that name")
            continue
        with open(src, "rb") as f:
            if f.read() != copy:
                problems.append(f"{shots_dir}/{shot}: differs from docs/screens/{shot} (copy it again)")
    oks.append(f"{len(shots)} fastlane phone screenshots identical to docs/screens")

    for line in oks:
        print(f"  {line}: ok")
    if problems:
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        print(f"release check: FAILED ({len(problems)} disagreement(s))", file=sys.stderr)
        return 1
    print(f"release check: OK ({len(oks)} places agree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
