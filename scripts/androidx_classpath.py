#!/usr/bin/env python3
"""Resolves a compile classpath from Maven POMs the way Gradle does for an Android app.

Used by scripts/androidx-compile-check.sh (an optional, in-session check; not a test.sh
stage). Reads POMs from Google's Maven repository and Maven Central, follows dependency edges
of the given scopes ("compile" = the `api` edges Gradle puts on a consumer's compile
classpath), lets the highest requested version of each module win (Gradle's rule, unlike
Maven's nearest-wins), applies a BOM's versions as constraints (like Gradle's `platform()`)
and AndroidX's own constraints (its POMs carry them in <dependencyManagement>),
downloads the jars/aars and extracts `classes.jar` (+ `libs/*.jar`) from each aar.

    androidx_classpath.py --cache DIR --out CLASSPATH_FILE [--scopes compile] [--bom G:A:V]
                          [--fallback] G:A:V[@aar] ...

--fallback: a version missing from the given repositories is replaced by the nearest
version of the same major.minor that is there (higher first); every replacement is printed.
Without it a missing version is an error. Standard library only.
"""

import argparse
import os
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

# The repositories' base addresses come from the environment (scripts/android-repos.sh sets
# and checks them): Google's Maven repository first, then Maven Central, as the Gradle build's
# google() and mavenCentral() order them.
REPOS = [
    ("google", os.environ.get("KILN_GOOGLE_MAVEN", "").rstrip("/")),
    ("central", os.environ.get("KILN_MAVEN_CENTRAL", "").rstrip("/")),
]
M2 = os.path.expanduser("~/.m2/repository")
NS = re.compile(r"^\{[^}]*\}")


class Missing(Exception):
    pass


def vkey(v):
    """Orders versions like 1.9.4 > 1.9.2 > 1.9.0-rc01 (good enough for release versions)."""
    main, _, pre = v.partition("-")
    nums = [int(x) if x.isdigit() else 0 for x in re.split(r"[.]", main)]
    return (nums, 0 if pre else 1, pre)


class Repo:
    def __init__(self, cache):
        self.cache = cache

    def path(self, g, a, v, name):
        return f"{g.replace('.', '/')}/{a}/{v}/{name}"

    def fetch(self, rel):
        """Returns a local file for repository path `rel`, downloading it once; Missing if absent."""
        local = os.path.join(M2, rel)
        if os.path.exists(local):
            return local
        dest = os.path.join(self.cache, rel)
        if os.path.exists(dest):
            return dest
        if os.path.exists(dest + ".missing"):
            raise Missing(rel)
        for _, base in REPOS:
            try:
                with urllib.request.urlopen(f"{base}/{rel}", timeout=60) as r:
                    data = r.read()
                if not data:
                    continue
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest + ".part", "wb") as f:
                    f.write(data)
                os.replace(dest + ".part", dest)
                return dest
            except urllib.error.HTTPError:
                continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        open(dest + ".missing", "w").close()
        raise Missing(rel)

    def versions(self, g, a):
        found = set()
        for _, base in REPOS:
            try:
                with urllib.request.urlopen(f"{base}/{g.replace('.', '/')}/{a}/maven-metadata.xml", timeout=60) as r:
                    root = ET.fromstring(r.read())
                found |= {e.text for e in root.iter() if NS.sub("", e.tag) == "version" and e.text}
            except (urllib.error.HTTPError, ET.ParseError):
                continue
        return sorted(found, key=vkey)


def child(e, name):
    for c in e:
        if NS.sub("", c.tag) == name:
            return c
    return None


def text(e, name, default=None):
    c = child(e, name) if e is not None else None
    return c.text.strip() if c is not None and c.text else default


class Pom:
    def __init__(self, repo, g, a, v):
        self.g, self.a, self.v = g, a, v
        root = ET.parse(repo.fetch(repo.path(g, a, v, f"{a}-{v}.pom"))).getroot()
        self.packaging = text(root, "packaging", "jar")
        self.props = {"project.version": v, "project.groupId": g, "version": v}
        self.managed = {}
        self.constraints = {}  # this POM's own dependencyManagement: AndroidX writes Gradle constraints there
        parent = child(root, "parent")
        if parent is not None:
            p = Pom(repo, text(parent, "groupId"), text(parent, "artifactId"), text(parent, "version"))
            self.props.update(p.props)
            self.managed.update(p.managed)
            self.props["project.parent.version"] = p.v
        self.props["project.version"] = v
        props = child(root, "properties")
        for c in props if props is not None else []:
            self.props[NS.sub("", c.tag)] = (c.text or "").strip()
        dm = child(root, "dependencyManagement")
        deps = child(dm, "dependencies") if dm is not None else None
        for d in deps if deps is not None else []:
            dg, da, dv = (self.sub(text(d, k)) for k in ("groupId", "artifactId", "version"))
            if text(d, "scope") == "import":
                self.managed.update(Pom(repo, dg, da, dv).managed)
            elif dv:
                self.managed[(dg, da)] = dv
                self.constraints[(dg, da)] = dv
        self.deps = []
        deps = child(root, "dependencies")
        for d in deps if deps is not None else []:
            dg, da = self.sub(text(d, "groupId")), self.sub(text(d, "artifactId"))
            dv = self.sub(text(d, "version")) or self.managed.get((dg, da))
            if dv is None:
                raise SystemExit(f"{g}:{a}:{v}: no version for dependency {dg}:{da}")
            m = re.fullmatch(r"\[([^,\]]+)\]", dv)  # [1.2.3] = exactly 1.2.3 (Gradle: strictly)
            dv = m.group(1) if m else dv
            if re.search(r"[\[\](),]", dv):
                raise SystemExit(f"{g}:{a}:{v}: version range {dv} for {dg}:{da} is not handled")
            excl = child(d, "exclusions")
            excludes = {(text(x, "groupId"), text(x, "artifactId")) for x in (excl if excl is not None else [])}
            self.deps.append({
                "g": dg, "a": da, "v": dv,
                "type": text(d, "type", "jar"), "classifier": text(d, "classifier"),
                "scope": text(d, "scope", "compile"), "optional": text(d, "optional") == "true",
                "excludes": excludes,
            })

    def sub(self, s):
        for _ in range(5):
            if s is None or "${" not in s:
                return s
            s = re.sub(r"\$\{([^}]+)\}", lambda m: self.props.get(m.group(1), m.group(0)), s)
        return s


def excluded(ga, excludes):
    return any((eg in (ga[0], "*")) and (ea in (ga[1], "*")) for eg, ea in excludes)


def resolve(repo, roots, scopes, bom, fallback):
    """Highest-wins resolution to a fixed point. Returns {(g, a): (version, type)}."""
    subst = {}  # (g, a, wanted) -> available version

    def available(g, a, v):
        key = (g, a, v)
        if key in subst:
            return subst[key]
        try:
            Pom(repo, g, a, v)
            subst[key] = v
        except Missing:
            if not fallback:
                raise SystemExit(f"missing from the given repositories: {g}:{a}:{v}")
            mm = ".".join(v.split("-")[0].split(".")[:2]) + "."
            same = [x for x in repo.versions(g, a) if x.startswith(mm) and "-" not in x]
            up = [x for x in same if vkey(x) > vkey(v)]
            down = [x for x in same if vkey(x) < vkey(v)]
            pick = up[0] if up else (down[-1] if down else None)
            if pick is None:
                raise SystemExit(f"missing from the given repositories: {g}:{a}:{v} (no {mm}x either)")
            subst[key] = pick
        return subst[key]

    chosen = {}
    while True:
        requested = {}
        constraints = {}
        types = {}
        queue = [(g, a, v, t, frozenset()) for g, a, v, t in roots]
        seen = set()
        while queue:
            g, a, v, t, excl = queue.pop(0)
            requested.setdefault((g, a), set()).add(v)
            if t == "aar" or (g, a) not in types:
                types[(g, a)] = t
            use = max([v, chosen.get((g, a), v), bom.get((g, a), v)], key=vkey)
            if (g, a, use, excl) in seen:
                continue
            seen.add((g, a, use, excl))
            pom = Pom(repo, g, a, available(g, a, use))
            if g.startswith("androidx."):
                for cga, cv in pom.constraints.items():
                    constraints.setdefault(cga, set()).add(cv)
            if pom.packaging == "aar":
                types[(g, a)] = "aar"
            for d in pom.deps:
                if d["optional"] or d["scope"] not in scopes or d["classifier"]:
                    continue
                if excluded((d["g"], d["a"]), excl):
                    continue
                queue.append((d["g"], d["a"], d["v"], d["type"], excl | frozenset(d["excludes"])))
        new = {}
        for ga, vs in requested.items():
            vs = set(vs)
            if ga in bom:
                vs.add(bom[ga])
            vs |= constraints.get(ga, set())
            new[ga] = max(vs, key=vkey)
        if new == chosen:
            break
        chosen = new
    return {ga: (available(ga[0], ga[1], v), v, types[ga]) for ga, v in sorted(chosen.items())}


def jars_of(repo, g, a, v, t, outdir):
    pom = Pom(repo, g, a, v)
    if pom.packaging == "pom" and t != "aar":
        return []
    if t == "aar" or pom.packaging == "aar":
        aar = repo.fetch(repo.path(g, a, v, f"{a}-{v}.aar"))
        out = []
        with zipfile.ZipFile(aar) as z:
            for name in z.namelist():
                if name == "classes.jar" or (name.startswith("libs/") and name.endswith(".jar")):
                    dest = os.path.join(outdir, f"{g}__{a}-{v}__{name.replace('/', '_')}")
                    if not os.path.exists(dest):
                        with z.open(name) as src, open(dest + ".part", "wb") as f:
                            f.write(src.read())
                        os.replace(dest + ".part", dest)
                    out.append(dest)
        return out
    return [repo.fetch(repo.path(g, a, v, f"{a}-{v}.jar"))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scopes", default="compile")
    ap.add_argument("--bom", action="append", default=[])
    ap.add_argument("--fallback", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("roots", nargs="+")
    args = ap.parse_args()
    for name, base in REPOS:
        if not base:
            raise SystemExit(f"androidx_classpath: the {name} repository's address is not set "
                             "(KILN_GOOGLE_MAVEN, KILN_MAVEN_CENTRAL; see scripts/android-repos.sh)")
    repo = Repo(args.cache)
    bom = {}
    for b in args.bom:
        g, a, v = b.split(":")
        bom.update(Pom(repo, g, a, v).managed)
    roots = []
    for r in args.roots:
        coord, _, t = r.partition("@")
        g, a, v = coord.split(":")
        v = bom.get((g, a), v) if v == "bom" else v
        roots.append((g, a, v, t or "jar"))
    resolved = resolve(repo, roots, set(args.scopes.split(",")), bom, args.fallback)
    jardir = os.path.join(args.cache, "jars")
    os.makedirs(jardir, exist_ok=True)
    cp = []
    for (g, a), (v, wanted, t) in resolved.items():
        jars = jars_of(repo, g, a, v, t, jardir)
        cp += jars
        if not args.quiet:
            note = "" if v == wanted else f"   (wanted {wanted})"
            print(f"  {g}:{a}:{v}{'@aar' if t == 'aar' else ''}{note}")
    subs = [f"{g}:{a} {w} -> {v}" for (g, a), (v, w, _) in resolved.items() if v != w]
    if subs:
        print(f"  not in the given repositories, replaced by the nearest patch release: {'; '.join(subs)}")
    off = [f"{g}:{a} {bom[(g, a)]} -> {v}" for (g, a), (v, _, _) in resolved.items() if (g, a) in bom and bom[(g, a)] != v]
    if off:
        print(f"  differs from the BOM: {'; '.join(off)}")
    with open(args.out, "w") as f:
        f.write(os.pathsep.join(cp) + "\n")


if __name__ == "__main__":
    main()
