"""Runs a generating script in a pseudo-terminal of a given width and keeps what it printed.

    /work/venv-ml/bin/python scripts/frameworks/capture.py lightning_fit [--cols 80 200]

writes test/fixtures/frameworks/<name>.<cols>.log (the bytes the terminal received) and
<name>.<cols>.expect.json (what the script logged, from its truth file). Run by hand, not in CI:
the scripts need torch, lightning, keras, lightgbm, transformers or scikit-learn (hf_trainer.py also
accelerate: PYTHONPATH=<a directory with it> is passed on).
"""
import argparse
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "test", "fixtures", "frameworks")


def run_in_pty(argv, cols, env):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, cwd=tempfile.mkdtemp())
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    if proc.returncode != 0:
        sys.stderr.write(b"".join(chunks).decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"{argv} exited with {proc.returncode}")
    return b"".join(chunks)


ANSI = re.compile(rb"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][A-Z0-9])")


def shown_whole(name, text):
    """
    Whether the console shows a value of `name` whole: the name, a separator, a number and then a
    delimiter. A narrow terminal cuts a progress bar's end, so some logged series never show whole
    at 80 columns; the test then does not require them (it still checks every value that is read).
    """
    pattern = re.escape(name) + r"['\"]?[ \t]*[=:│┃|]?[ \t]*[│┃|]?[ \t]*['\"]?[-+]?\d[\d.e+-]*(?=[,\]│┃|}'\" \t\n]| -)"
    return re.search(pattern, text) is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--cols", type=int, nargs="+", default=[80, 200])
    args = ap.parse_args()
    script = os.path.join(HERE, f"{args.name}.py")
    os.makedirs(OUT, exist_ok=True)
    for cols in args.cols:
        truth_file = tempfile.mktemp(suffix=".json")
        env = dict(os.environ, COLUMNS=str(cols), LINES="40", TERM="xterm-256color", EXPTRACK_TRUTH=truth_file,
                   PYTHONPATH=os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p), KERAS_BACKEND="torch", TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", CUDA_VISIBLE_DEVICES="")
        out = run_in_pty([sys.executable, script], cols, env)
        with open(os.path.join(OUT, f"{args.name}.{cols}.log"), "wb") as f:
            f.write(out)
        with open(truth_file) as f:
            truth = json.load(f)
        os.unlink(truth_file)
        text = ANSI.sub(b"", out).decode("utf-8", "replace").replace("\r\n", "\n")
        for name, series in truth["series"].items():
            series["shown"] = shown_whole(name, text)
        truth["columns"] = cols
        truth["script"] = f"scripts/frameworks/{args.name}.py"
        with open(os.path.join(OUT, f"{args.name}.{cols}.expect.json"), "w") as f:
            json.dump(truth, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"{args.name} at {cols} columns: {len(out)} bytes, {len(truth['series'])} series")


if __name__ == "__main__":
    main()
