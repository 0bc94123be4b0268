"""Command-line interface of the grader, added to ``textbook`` by :func:`register`.

Students::

    textbook exercises list
    textbook exercises start sgns [DIR]        # copies the starter and the statement
    textbook check sgns.py                     # public checks, with hints

Instructors (grade as root so the sandbox can jail each submission)::

    export TEXTBOOK_GRADING_SECRET=...         # or --secret FILE; seeds the hidden cases
    textbook grade submissions/ --exercise sgns --jobs 4 --out grades/
    textbook gradescope-bundle sgns bundle/    # setup.sh + run_autograder + autograder.zip

Also runnable on its own: ``python -m textbook.grading.cli ...``.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from pathlib import Path


def _user_errors(fn):
    """Report a sandbox that cannot be set up like any other fixable error (no traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(args: argparse.Namespace) -> int:
        from textbook.grading.jail import SandboxError

        try:
            return fn(args)
        except SandboxError as err:
            raise ValueError(f"sandbox: {err}") from err

    return wrapper


def _cmd_list(args: argparse.Namespace) -> int:
    from textbook.grading.spec import exercises_dir, list_exercises, load_exercise

    slugs = list_exercises()
    if not slugs:
        raise ValueError(f"no exercises found in {exercises_dir()} (set TEXTBOOK_EXERCISES)")
    print(f"{'exercise':<14}{'points':>12}  title")
    for slug in slugs:
        ex = load_exercise(slug)
        pts = f"{ex.public_points:g}+{ex.max_points - ex.public_points:g}"
        print(f"{slug:<14}{pts:>12}  {ex.title}")
    print("\npoints: public checks + hidden checks. Start one with: textbook exercises start SLUG")
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    from textbook.grading.spec import load_exercise

    ex = load_exercise(args.slug)
    dest = Path(args.dir or ex.slug)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / ex.starter
    if target.exists() and not args.force:
        raise ValueError(f"{target} already exists (use --force to overwrite your work)")
    shutil.copyfile(ex.root / ex.starter, target)
    if (ex.root / "README.md").is_file():
        shutil.copyfile(ex.root / "README.md", dest / "README.md")
    print(f"wrote {target} and {dest / 'README.md'}: read the statement, fill in "
          f"{', '.join(ex.functions)}, then run: textbook check {target}")
    return 0


def _guess_exercise(path: Path) -> str:
    from textbook.grading.spec import list_exercises, load_exercise

    matches = [s for s in list_exercises() if load_exercise(s).starter == path.name]
    if len(matches) != 1:
        raise ValueError(f"cannot tell which exercise {path.name} is for: pass --exercise SLUG")
    return matches[0]


@_user_errors
def _cmd_check(args: argparse.Namespace) -> int:
    from textbook.grading import engine, sandbox
    from textbook.grading.spec import load_exercise

    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"FILE: no such file: {path}")
    ex = load_exercise(args.exercise or _guess_exercise(path))
    report = engine.grade_file(ex, path, hidden=False)
    hidden = [c for c in ex.checks if c.hidden]
    print(report.text(hidden_summary=(len(hidden), sum(c.points for c in hidden))), end="")
    if sandbox.isolation() != "jail":
        print("(self-check: your code ran in a separate process with time and memory limits)")
    return 0 if all(r.passed for r in report.results) else 1


@_user_errors
def _cmd_grade(args: argparse.Namespace) -> int:
    from textbook.grading import engine, gradebook
    from textbook.grading.spec import load_exercise

    ex = load_exercise(args.exercise)
    secret = engine.resolve_secret(secret_file=args.secret)
    out = Path(args.out or f"grades-{ex.slug}")
    records = gradebook.grade_folder(args.submissions, ex, out, secret, jobs=args.jobs, force=args.force,
                                     progress=not args.quiet)
    if records:
        mean = sum(r["score"] for r in records) / len(records)
        print(f"graded {len(records)} submission(s): mean {mean:.2f} / {ex.max_points:g}; "
              f"gradebook: {out / 'gradebook.csv'}; feedback and results.json in {out / 'students'}")
    else:
        print(f"no submissions found in {args.submissions}")
    return 0


def _cmd_bundle(args: argparse.Namespace) -> int:
    import os

    from textbook.grading import engine, gradescope

    if args.secret:
        secret = engine.resolve_secret(secret_file=args.secret)
    elif os.environ.get(engine.SECRET_ENV):
        secret = os.environ[engine.SECRET_ENV]
    else:
        secret = secrets.token_hex(16)
        print(f"note: no --secret or ${engine.SECRET_ENV}: generated a fresh secret for the hidden cases "
              f"(it is in {Path(args.dir) / 'grading_secret'})", file=sys.stderr)
    zpath = gradescope.build_bundle(args.slug, args.dir, secret)
    print(f"wrote {zpath}: upload it as the Gradescope autograder (it contains the grading secret, keep it "
          f"private)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``exercises``, ``check``, ``grade`` and ``gradescope-bundle`` to a subparsers object."""
    ex = subparsers.add_parser("exercises", help="list graded exercises or start one",
                               description="List the graded exercises or copy one's starter file.")
    exsub = ex.add_subparsers(dest="exercises_command", metavar="ACTION", required=True)
    ls = exsub.add_parser("list", help="list the exercises and their points")
    ls.set_defaults(func=_cmd_list)
    st = exsub.add_parser("start", help="copy an exercise's starter file and statement",
                          description="Copy the starter file and README.md of SLUG into DIR (default ./SLUG).")
    st.add_argument("slug", metavar="SLUG")
    st.add_argument("dir", metavar="DIR", nargs="?")
    st.add_argument("--force", action="store_true", help="overwrite an existing file")
    st.set_defaults(func=_cmd_start)

    ck = subparsers.add_parser("check", help="run the public checks of an exercise on your file",
                               description="Run FILE's functions in a sandbox and compare them with the "
                                           "reference on the public cases; prints what is wrong, with hints. "
                                           "Exit status 0 when every public check passes.")
    ck.add_argument("file", metavar="FILE")
    ck.add_argument("--exercise", metavar="SLUG", help="the exercise (guessed from the file name if omitted)")
    ck.set_defaults(func=_cmd_check)

    gr = subparsers.add_parser(
        "grade", help="grade a folder of submissions (instructors)",
        description="Grade every submission in SUBMISSIONS_DIR (one sub-folder or .py file per student) "
                    "on the public and hidden checks. Writes gradebook.csv, and per student feedback.txt, "
                    "results.json (Gradescope format) and grade.json. Re-running skips unchanged "
                    "submissions. Run as root so each submission is jailed under a throw-away uid.")
    gr.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    gr.add_argument("--exercise", required=True, metavar="SLUG")
    gr.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    gr.add_argument("--out", metavar="DIR", help="output folder (default ./grades-SLUG)")
    gr.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    gr.add_argument("--secret", metavar="FILE",
                    help="file whose first line is the grading secret (else $TEXTBOOK_GRADING_SECRET)")
    gr.add_argument("--quiet", action="store_true", help="no progress lines")
    gr.set_defaults(func=_cmd_grade)

    gb = subparsers.add_parser(
        "gradescope-bundle", help="build a Gradescope autograder for an exercise",
        description="Write setup.sh, run_autograder and the sources into DIR and zip them as "
                    "DIR/autograder.zip; it grades /autograder/submission with the same engine.")
    gb.add_argument("slug", metavar="SLUG")
    gb.add_argument("dir", metavar="DIR")
    gb.add_argument("--secret", metavar="FILE", help="grading secret file (else $TEXTBOOK_GRADING_SECRET, "
                                                     "else a fresh random secret)")
    gb.set_defaults(func=_cmd_bundle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textbook.grading.cli",
                                     description="Graded exercises: self-checks and instructor grading.")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
