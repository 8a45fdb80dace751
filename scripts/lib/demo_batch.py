"""The README's batch session: a box of five simulated tokens on "Virtual PCD 00 00",
`kiln batch` burning them, then the Entra ID export and the audit log."""
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import batch_box  # noqa: E402

BOX = [
    {"serial": "86596220000101", "offset": 94.5},
    {"serial": "86596120000102", "offset": -3.2},
    {"serial": "12345678000103"},
    {"serial": "86596320000104", "offset": 12},
    {"serial": "86596010000105"},
]


def main(bin_dir):
    with tempfile.TemporaryDirectory() as work:
        key, public = batch_box.age_key(work)
        os.rename(key, os.path.join(work, "box-17.key"))
        with open(os.path.join(work, "upns.csv"), "w") as f:
            f.write("serial,upn\n86596220000101,alice@contoso.com\n86596120000102,bob@contoso.com\n")
        short = public[:12] + "…"
        args = ["--generate", "--journal", "box-17", "--recipient", public, "--trust-clock",
                "--count", "4", "--operator", "it-desk"]
        shown = " ".join(["kiln batch"] + [short if a == public else a for a in args[:5]])
        print("$ %s --reader 'Virtual PCD 00 00' --trust-clock --count 4 --operator it-desk" % shown)
        lines, _, code = batch_box.play(bin_dir, BOX, args, work, json_mode=False,
                                        merge_stderr=True)
        for line in lines:
            print(line)
        if code:
            print("(exit %d)" % code)
        print()
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
        for cmd in (
            "kiln export --journal box-17 --identity box-17.key --format entra-csv "
            "--upn-map upns.csv -o box-17-entra.csv.age",
            "age -d -i box-17.key box-17-entra.csv.age | cut -d, -f1,2,4-   # the secret column left out here",
            "kiln audit --journal box-17",
        ):
            print(cmd)
            out = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True)
            sys.stdout.write(out.stdout + out.stderr)
            print()


if __name__ == "__main__":
    main(sys.argv[1])
