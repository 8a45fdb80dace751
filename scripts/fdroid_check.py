"""Checks the F-Droid metadata with Debian's fdroidserver, without an Android SDK.

Run by scripts/fdroid-check.sh (with the Python that runs `fdroid`), in a temporary directory
laid out like an fdroiddata checkout:

    metadata/org.tokenkiln.app.yml   docs/fdroid/org.tokenkiln.app.yml (the draft recipe)
    build/org.tokenkiln.app/         the repository's committed tree (git archive HEAD)

(The recipe's srclib, rustup, is defined in fdroiddata; these steps do not look it up.)

Steps, each of which fails the check:
 1. `fdroid readmeta`: the recipe parses;
 2. `fdroid lint org.tokenkiln.app`: fdroidserver's own rules (categories, licence, update
    checks, build entries, version codes, char limits of any text in the recipe, ...);
 3. `fdroid rewritemeta org.tokenkiln.app`: the file is already in its canonical form;
 4. fdroidserver's `update.insert_localized_app_metadata` reads fastlane/metadata/android from
    the tree as `fdroid update` does: title, summary, description and the changelog of the
    current versionCode are found, within fdroidserver's character limits, and the icon and
    the phone screenshots are copied into the repo;
 5. `scanner.scan_source` over the tree with the recipe's build entry, as `fdroid build` scans
    before building: no binaries, no unknown Maven repositories, no non-free libraries.
"""
import os
import subprocess
import sys

APP = "org.tokenkiln.app"


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}:\n{out}")
    return out


def fail(msg):
    print(f"fdroid check: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main(workdir, recipe_src):
    os.chdir(workdir)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from fdroidserver import common, metadata, scanner, update

    # 1-2
    run("fdroid", "readmeta")
    print("fdroid readmeta: ok")
    out = run("fdroid", "lint", APP)
    if out:
        fail(f"fdroid lint printed:\n{out}")
    print(f"fdroid lint {APP}: ok (no finding)")

    # 3
    with open(f"metadata/{APP}.yml") as f:
        before = f.read()
    run("fdroid", "rewritemeta", APP)
    with open(f"metadata/{APP}.yml") as f:
        after = f.read()
    if before != after:
        import difflib

        diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                            recipe_src, "fdroid rewritemeta"))
        fail(f"{recipe_src} is not in fdroidserver's canonical format:\n{diff}")
    print("fdroid rewritemeta: ok (already canonical)")

    # 4
    config = common.read_config()
    common.config = config
    update.config = config
    apps = metadata.read_metadata()
    app = apps[APP]
    update.insert_localized_app_metadata(apps)
    loc = app.get("localized", {}).get("en-US", {})
    limits = config["char_limits"]
    fastlane = f"build/{APP}/fastlane/metadata/android/en-US"
    files = {"name": "title.txt", "summary": "short_description.txt",
             "description": "full_description.txt",
             "whatsNew": f"changelogs/{app['CurrentVersionCode']}.txt"}
    for key, name in files.items():
        if not loc.get(key, "").strip():
            fail(f"fdroidserver found no {key} (fastlane/metadata/android/en-US/{name})")
        with open(os.path.join(fastlane, name)) as f:
            text = f.read()
        length = len(text.strip("\n")) if key in ("name", "summary") else len(text)
        if length > limits[key]:
            fail(f"fastlane/metadata/android/en-US/{name}: {length} characters, fdroidserver keeps {limits[key]}")
        print(f"fastlane {name}: read as {key}, {length} of at most {limits[key]} characters: ok")
    repo = f"repo/{APP}/en-US"
    if not os.path.isfile(os.path.join(repo, "icon.png")):
        fail("fdroidserver did not take images/icon.png")
    shots_src = sorted(os.listdir(os.path.join(fastlane, "images/phoneScreenshots")))
    shots = sorted(os.listdir(os.path.join(repo, "phoneScreenshots"))) if os.path.isdir(
        os.path.join(repo, "phoneScreenshots")) else []
    if not shots or len(shots) != len(shots_src):
        fail(f"fdroidserver took {len(shots)} of {len(shots_src)} phone screenshots")
    print(f"fastlane images: icon.png and {len(shots)} phone screenshots taken into the repo: ok")

    # 5
    build = app["Builds"][-1]
    scanner.options = type("Options", (), {"json": False, "verbose": False, "refresh_scanner": False,
                                           "exit_code": False})()
    problems = scanner.scan_source(f"build/{APP}", build)
    if problems:
        fail(f"fdroidserver's scanner found {problems} problem(s) in the source tree (above)")
    print(f"fdroid scanner over the committed tree (build {build['versionName']}, versionCode "
          f"{build['versionCode']}): 0 problems: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
