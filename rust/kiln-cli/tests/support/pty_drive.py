#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, for tests of
kiln's terminal-only questions (hidden seed prompt, confirmations).

usage: pty_drive.py TIMEOUT_S PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARG ...]

Each ANSWER (plus Enter) is typed once PROMPT has appeared in the output, in
order. Everything the command printed (stdout and stderr share the terminal)
goes to our stdout; our exit status is the command's (124 on timeout).
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = float(args.pop(0))
    sep = args.index("--")
    pairs = args[:sep]
    cmd = args[sep + 1:]
    script = list(zip(pairs[0::2], pairs[1::2]))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    seen = 0  # output already matched against earlier prompts
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(out.decode("utf-8", "replace"))
            sys.exit(124)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
        if script:
            prompt, answer = script[0]
            at = out.find(prompt.encode(), seen)
            if at >= 0:
                seen = at + len(prompt)
                # Type like a person, not at once: a program switches echo off
                # for a hidden prompt only after printing the prompt.
                time.sleep(0.3)
                os.write(fd, answer.encode() + b"\r")
                script.pop(0)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
